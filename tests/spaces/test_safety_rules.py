"""Pure safety rules (第七章): inspection due days, expiry warnings, response deadlines, drills — boundary
tables on plain values, no database."""

from datetime import date, datetime, timedelta

import pytest

from spaces.rules import safety as rules
from tests.spaces.support.safety import SAFETY, SH


@pytest.mark.parametrize(
    ("installed_on", "last_inspected_on", "due_on"),
    [
        (date(2026, 1, 1), None, date(2026, 1, 31)),  # never inspected: from installation
        (date(2026, 1, 1), date(2026, 10, 2), date(2026, 11, 1)),
        (date(2026, 1, 1), date(2026, 12, 31), date(2027, 1, 30)),  # across the year
    ],
)
def test_the_next_inspection_is_due_an_interval_after_the_last(installed_on, last_inspected_on, due_on):
    assert rules.inspection_due_on(equipment_type="extinguisher", installed_on=installed_on,
                                   last_inspected_on=last_inspected_on, safety=SAFETY) == due_on


@pytest.mark.parametrize(
    ("today", "overdue"),
    [(date(2026, 10, 31), False), (date(2026, 11, 1), False), (date(2026, 11, 2), True)],
)
def test_an_inspection_is_overdue_from_the_day_after_its_due_day(today, overdue):
    assert rules.inspection_overdue(due_on=date(2026, 11, 1), today=today) is overdue


@pytest.mark.parametrize(
    ("days_left", "state"),
    [(None, None), (31, None), (30, "expiring"), (1, "expiring"), (0, "expired"), (-5, "expired")],
)
def test_expiry_is_flagged_within_the_warning_days_and_from_the_day_itself(days_left, state):
    today = date(2026, 11, 16)
    expires_on = None if days_left is None else today + timedelta(days=days_left)
    assert rules.expiry_state(expires_on=expires_on, today=today, safety=SAFETY) == state


@pytest.mark.parametrize(
    ("severity", "deadline"),
    [("general", datetime(2026, 11, 17, 9, 0, tzinfo=SH)), ("major", datetime(2026, 11, 16, 13, 0, tzinfo=SH)),
     ("serious", datetime(2026, 11, 16, 10, 0, tzinfo=SH))],
)
def test_the_response_deadline_follows_the_severity(severity, deadline):
    assert rules.respond_by(severity=severity, triaged_at=datetime(2026, 11, 16, 9, 0, tzinfo=SH),
                            safety=SAFETY) == deadline


@pytest.mark.parametrize(
    ("now_minutes", "status", "overdue"),
    [(59, "in_progress", False), (60, "in_progress", False), (61, "in_progress", True), (61, "closed", False)],
)
def test_a_response_is_late_only_after_the_deadline_and_while_open(now_minutes, status, overdue):
    start = datetime(2026, 11, 16, 9, 0, tzinfo=SH)
    assert rules.response_overdue(respond_by=start + timedelta(minutes=60), status=status,
                                  now=start + timedelta(minutes=now_minutes)) is overdue


@pytest.mark.parametrize(("held", "short"), [(0, 2), (1, 1), (2, 0), (5, 0)])
def test_drills_short_of_the_yearly_minimum(held, short):
    assert rules.drills_short(held=held, safety=SAFETY) == short


def test_only_a_serious_incident_is_serious():
    assert [s for s in ("general", "major", "serious") if rules.is_serious(s)] == ["serious"]


def test_the_round_is_the_month():
    assert rules.round_month(date(2026, 11, 30)) == date(2026, 11, 1)


def _t(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 16, hour, minute, tzinfo=SH)


@pytest.mark.parametrize(
    ("walked", "now", "gaps"),
    [
        ([_t(10), _t(12)], _t(20), [(_t(14), _t(16))]),  # 12:00 → end 16:00: due at 14:00, none
        ([_t(10), _t(12), _t(14)], _t(20), []),  # exactly every 120 minutes
        ([_t(10, 1), _t(12), _t(14)], _t(20), [(_t(10), _t(10, 1))]),  # one minute late
        ([], _t(9), []),  # the shift has just begun
        ([], _t(10, 1), [(_t(10), _t(10, 1))]),  # the first round is late
        ([_t(13)], _t(20), [(_t(10), _t(13)), (_t(15), _t(16))]),
    ],
)
def test_a_missing_patrol_round_is_a_gap_longer_than_the_interval(walked, now, gaps):
    assert rules.missing_patrols(starts_at=_t(8), ends_at=_t(16), walked=walked, now=now,
                                 interval_minutes=120) == gaps
