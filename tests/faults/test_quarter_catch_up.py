"""The scheduled quarter run catches up (第六章第二条; docs/operations.md, "Reliability"): daily, it drafts
every quarter that ended and was never run, never the running one, and tells the administrator once.

Before: the job drafted "the quarter containing yesterday", so a beat that was down on 1 January and
caught up on the 3rd drafted 2027 Q1 — two days old, without inputs — and eliminated everyone.
"""

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine

from opc_community.portal.models import Notification
from scoring import quarters
from scoring.models import Quarter, QuarterInput, QuarterPlan, QuarterStatus, ScoreCard
from scoring.tasks import run_quarter_just_ended
from tests.residents.factories import ResidentFactory
from tests.residents.support.lifecycle import SH

Q = tuple[int, int]


@pytest.mark.parametrize(
    ("today", "existing", "drafted"),
    [
        # day 1, 02:00: the quarter that ended yesterday, added if the opening job never added it
        (date(2026, 10, 1), {}, [(2026, 3)]),
        (date(2026, 10, 1), {(2026, 3): False, (2026, 4): False}, [(2026, 3)]),
        # already run (drafted, confirmed…): left alone, so a second run the same day does nothing
        (date(2026, 10, 1), {(2026, 3): True, (2026, 4): False}, []),
        # beat down on 1 January, caught up on the 3rd: 2026 Q4, never the new 2027 Q1
        (date(2027, 1, 3), {(2026, 4): False, (2027, 1): False}, [(2026, 4)]),
        (date(2027, 1, 3), {}, [(2026, 4)]),
        # down for months: every ended quarter never run, oldest first
        (date(2027, 1, 3), {(2026, 2): False, (2026, 3): False}, [(2026, 2), (2026, 3), (2026, 4)]),
        (date(2027, 1, 3), {(2026, 3): False, (2026, 4): True}, [(2026, 3)]),
        # the last day of a quarter: it is still running
        (date(2026, 12, 31), {(2026, 3): True, (2026, 4): False}, []),
        (date(2027, 1, 1), {(2026, 3): True, (2026, 4): False}, [(2026, 4)]),
        # mid-quarter, with a quarter staff added ahead
        (date(2026, 11, 15), {(2026, 3): True, (2026, 4): False, (2027, 1): False}, []),
        # across a year, from the first quarter
        (date(2026, 4, 2), {(2025, 4): False}, [(2025, 4), (2026, 1)]),
    ],
)
def test_which_quarters_the_scheduled_run_drafts(today: date, existing: dict[Q, bool], drafted: list[Q]):
    assert quarters.to_draft(today, existing) == drafted


@pytest.mark.django_db
def test_the_catch_up_on_3_january_drafts_2026_q4_and_tells_the_administrator_once(administrator):
    # Given 2026 Q4 collecting inputs, and 2027 Q1 opened by the daily opening job on 1 January
    q4 = Quarter.objects.create(year=2026, number=4, inputs_due_on=quarters.last_day(2026, 4))
    q1 = Quarter.objects.create(year=2027, number=1, inputs_due_on=quarters.last_day(2027, 1))
    resident = ResidentFactory(checked_in_at=datetime(2026, 4, 1, 9, tzinfo=SH))
    QuarterPlan.objects.create(quarter=q4, resident=resident, milestones_planned=4, revenue_target=Decimal("100000"),
                               status="accepted")
    QuarterInput.objects.create(quarter=q4, resident=resident, milestones_done=4, revenue=Decimal("100000"),
                                status="verified")
    # When beat, down on the 1st, runs the job on the 3rd (twice: beat, then a redelivery)
    with time_machine.travel(datetime(2027, 1, 3, 2, 0, tzinfo=SH), tick=False):
        first = run_quarter_just_ended.delay().get()
        again = run_quarter_just_ended.delay().get()
    # Then 2026 Q4 is drafted from its inputs, 2027 Q1 is untouched, and the administrator is told once
    assert [row["quarter"] for row in first] == ["2026 Q4"] and again == []
    q4.refresh_from_db()
    q1.refresh_from_db()
    assert (q4.status, q1.status) == (QuarterStatus.DRAFTED, QuarterStatus.OPEN)
    assert ScoreCard.objects.get(quarter=q4).outcome != "eliminated"
    assert not ScoreCard.objects.filter(quarter=q1).exists()
    [told] = Notification.objects.filter(kind="scoring.draft_awaits")
    assert told.recipient == administrator
    assert told.title == "2026 Q4 的初评分待您确认"
    assert told.link == f"/admin/scoring/quarter/{q4.pk}/change/"


@pytest.mark.django_db
def test_a_quarter_that_cannot_be_drafted_does_not_hold_back_the_others(caplog):
    # 2026 Q1 ended before the first rulebook version took effect (2026-04-01): it cannot be scored
    Quarter.objects.create(year=2026, number=1, inputs_due_on=quarters.last_day(2026, 1))
    with time_machine.travel(datetime(2026, 10, 1, 2, 0, tzinfo=SH), tick=False):
        drafted = run_quarter_just_ended.delay().get()
    assert [row["quarter"] for row in drafted] == ["2026 Q3"]
    assert Quarter.objects.get(year=2026, number=1).status == QuarterStatus.OPEN  # tried again tomorrow
    assert "Drafting 2026 Q1 failed" in caplog.text
