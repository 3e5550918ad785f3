"""The daily plan job (RULEBOOK §7.1, decision added 2026-12): residents who have not filed their plan are
reminded once, from 3 working days before their last day to file; late staff decisions are flagged to the
administrators once each. Idempotent: a second run sends nothing.

2026 Q4's plans are due on Tuesday 10-20: three working days before is Thursday 10-15.
"""

from datetime import date

import pytest
from django.conf import settings

from opc_community.portal.models import Notification
from residents.models import ResidentStatus
from scoring.models import PlanChange, PlanStatus
from scoring.tasks import remind_plans
from tests.scoring.support.inputs import at, make_quarter, member, sh, stored_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def quarter():
    return make_quarter(number=4, due=date(2026, 12, 31))


@pytest.fixture
def cast(quarter, resident_a, resident_b, outsider):
    """张三 filed nothing; 欧阳娜娜 has a draft; 李四 submitted; a newcomer checked in on 10-14 (due 10-27);
    one exited and one still onboarding, who are never reminded."""
    nothing = member(resident_a, name="张三")
    draft = member(resident_b, name="欧阳娜娜")
    stored_plan(quarter, draft, status=PlanStatus.DRAFT)
    stored_plan(quarter, member(name="李四"), status=PlanStatus.SUBMITTED, decision_due_on=date(2026, 10, 16))
    newcomer = member(outsider, checked_in_at=sh(2026, 10, 14, 9))
    member(status=ResidentStatus.EXITED, exited_on=date(2026, 10, 2), retain_until=date(2031, 10, 2))
    member(status=ResidentStatus.ONBOARDING, checked_in_at=None)
    return nothing, draft, newcomer


def _reminded() -> set[int]:
    return set(Notification.objects.filter(kind="scoring.plan_reminder").values_list("recipient_id", flat=True))


def test_no_reminder_four_working_days_before(cast):
    with at(sh(2026, 10, 14, 9)):
        assert remind_plans.delay().get() == {"reminded": 0, "flagged": 0}


def test_those_who_have_not_filed_are_reminded_once_three_working_days_before(cast):
    nothing, draft, newcomer = cast
    with at(sh(2026, 10, 15, 9)):
        first = remind_plans.delay().get()
        again = remind_plans.delay().get()
    assert first["reminded"] == 2 and again["reminded"] == 0
    assert _reminded() == {nothing.user_id, draft.user_id}  # not the submitted plan, not the newcomer (10-27)
    message = Notification.objects.filter(kind="scoring.plan_reminder").first()
    assert "2026年10月20日" in message.title and "得 0 分" in message.body
    with at(sh(2026, 10, 20, 9)):
        assert remind_plans.delay().get()["reminded"] == 0  # still once
    with at(sh(2026, 10, 22, 9)):  # the newcomer's three working days before 10-27
        remind_plans.delay().get()
    assert newcomer.user_id in _reminded()


def test_a_returned_plan_is_reminded_against_its_refiling_day(quarter, resident_a):
    me = member(resident_a)
    stored_plan(quarter, me, status=PlanStatus.RETURNED, refile_due_on=date(2026, 10, 28))
    with at(sh(2026, 10, 20, 9)):
        assert remind_plans.delay().get()["reminded"] == 0  # its last day is 10-28, not 10-20
    with at(sh(2026, 10, 23, 9)):
        assert remind_plans.delay().get()["reminded"] == 1


def test_late_decisions_are_flagged_to_the_administrators_once_each(cast, quarter, administrator):
    accepted = stored_plan(quarter, member(name="赵六"))
    PlanChange.objects.create(plan=accepted, milestones_planned=3, revenue_target=1, previous_milestones_planned=4,
                              previous_revenue_target=1, reason="x", requested_by=accepted.resident.user,
                              requested_at=sh(2026, 10, 12, 9), answer_due_on=date(2026, 10, 15))
    with at(sh(2026, 10, 16, 9)):
        assert remind_plans.delay().get()["flagged"] == 1  # the change: due 10-15
    with at(sh(2026, 10, 17, 9)):
        assert remind_plans.delay().get()["flagged"] == 1  # the plan of 李四: due 10-16
        assert remind_plans.delay().get()["flagged"] == 0
    flags = Notification.objects.filter(recipient=administrator, kind__in=("scoring.plan_decision_late",
                                                                           "scoring.plan_change_late"))
    assert flags.count() == 2 and any("李四" in flag.title for flag in flags)


def test_nothing_is_sent_when_the_quarter_is_not_open(resident_a):
    make_quarter(number=4, due=date(2026, 12, 31), status="drafted", rulebook_version=1)
    member(resident_a)
    with at(sh(2026, 10, 15, 9)):
        assert remind_plans.delay().get() == {"reminded": 0, "flagged": 0}


def test_the_beat_entry_runs_daily_in_the_morning():
    entry = settings.CELERY_BEAT_SCHEDULE["scoring-remind-plans"]
    schedule = entry["schedule"]
    assert entry["task"] == "scoring.tasks.remind_plans"
    assert (schedule.hour, schedule.minute, len(schedule.day_of_month)) == ({9}, {0}, 31)
