"""Pure rules of emergency supplies, plan versions and drills (第七章第四条; spaces.rules.emergency): boundary tables."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from spaces.extensions import (
    DrillSummary,
    drill_summary,
    register_drill_source,
    unregister_drill_source,
)
from spaces.rules import emergency as rules

SH = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 16)


@pytest.mark.parametrize(("expires_on", "warning_days", "state"), [
    (None, 30, None),                          # no expiry date
    (date(2026, 12, 17), 30, None),            # 31 days ahead: not yet flagged
    (date(2026, 12, 16), 30, "expiring"),      # exactly the warning days ahead: flagged
    (date(2026, 11, 17), 30, "expiring"),      # tomorrow
    (date(2026, 11, 16), 30, "expired"),       # the expiry day itself: not to be relied on
    (date(2025, 1, 1), 30, "expired"),
    (date(2026, 11, 17), 0, None),             # no warning period
])
def test_supply_expiry_state(expires_on, warning_days, state):
    assert rules.supply_expiry_state(expires_on=expires_on, today=TODAY, warning_days=warning_days) == state


@pytest.mark.parametrize(("current", "following"), [(None, 1), (1, 2), (9, 10)])
def test_next_version(current, following):
    assert rules.next_version(current) == following


@pytest.mark.parametrize(("held", "planned", "minimum", "short"), [
    (0, 0, 2, (2, 2)),   # nothing held, nothing planned
    (0, 2, 2, (2, 0)),   # enough planned, none held yet
    (1, 0, 2, (1, 1)),
    (1, 1, 2, (1, 0)),
    (2, 0, 2, (0, 0)),   # the minimum met
    (3, 1, 2, (0, 0)),   # more than the minimum
])
def test_drills_short_against_the_yearly_minimum(held, planned, minimum, short):
    assert rules.drills_short(held=held, planned=planned, minimum=minimum) == short


def test_the_next_drill_is_the_first_after_now():
    now = datetime(2026, 11, 16, 9, tzinfo=SH)
    starts = [(now + timedelta(days=9), "b"), (now - timedelta(days=1), "past"), (now + timedelta(days=2), "a"),
              (now, "now")]
    assert rules.next_drill(starts, now=now) == "a"
    assert rules.next_drill([(now, "now")], now=now) is None


@pytest.mark.django_db
def test_the_drill_source_registry_adds_up_and_keeps_the_earliest_next_drill():
    now = datetime(2026, 11, 16, 9, tzinfo=SH)
    later, sooner = now + timedelta(days=20), now + timedelta(days=3)
    register_drill_source("zz.one", lambda *, year, now: DrillSummary(held=1, planned=1, next_at=later, next_title="B"))
    register_drill_source("zz.two", lambda *, year, now: DrillSummary(held=2, next_at=sooner, next_title="A"))
    try:
        summary = drill_summary(year=2026, now=now)
        assert (summary.held, summary.planned) == (3, 1)  # the resources app's source has no drills here
        assert summary.next_title == "A" and summary.next_at == sooner
    finally:
        unregister_drill_source("zz.one")
        unregister_drill_source("zz.two")
    register_drill_source("zz.one", lambda *, year, now: DrillSummary())
    unregister_drill_source("zz.one")
