"""The quarterly plan's services (RULEBOOK §7.1, decision added 2026-12): filed in the first 10 working days,
accepted (locked) or returned by staff with a reason, changed only with staff's approval and a reason.

2026 Q4: National Day 10-01..10-07, so the first working day is Thursday 10-08 and the 10th Tuesday 10-20.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from opc_community.accounts.conflicts import ConflictOfInterest
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.portal.models import Notification
from scoring.models import PlanChange, PlanChangeStatus, PlanStatus, QuarterPlan, QuarterStatus
from scoring.services import plans as services
from tests.scoring.support.inputs import (
    at,
    make_quarter,
    member,
    plan_numbers,
    sh,
    stored_plan,
)

pytestmark = pytest.mark.django_db

EARLY = sh(2026, 10, 9, 10)  # Friday, day 2
DAY_TEN = sh(2026, 10, 20, 23, 59)  # the last minute of day 10
DAY_ELEVEN = sh(2026, 10, 21, 0, 0)


@pytest.fixture
def quarter():
    return make_quarter(number=4, due=date(2026, 12, 31))


@pytest.fixture
def me(resident_a):
    return member(resident_a, name="张三")


def _filed(quarter, resident, moment=EARLY, **values) -> QuarterPlan:
    with at(moment):
        plan = services.plan_save(quarter=quarter, resident=resident, values=plan_numbers(**values),
                                  actor=resident.user)
        return services.plan_submit(plan=plan, actor=resident.user)


def test_a_resident_saves_a_draft_and_submits_it_with_staffs_decision_day(quarter, me):
    with at(EARLY):
        plan = services.plan_save(quarter=quarter, resident=me, values=plan_numbers(planned=5, target="80000",
                                                                                    note="1. 上线"), actor=me.user)
        assert (plan.status, plan.milestones_planned, plan.revenue_target, plan.note) == (
            PlanStatus.DRAFT, 5, Decimal("80000.00"), "1. 上线")
        plan = services.plan_save(quarter=quarter, resident=me, values=plan_numbers(planned=6), actor=me.user)
        plan = services.plan_submit(plan=plan, actor=me.user)
    assert (plan.status, plan.milestones_planned) == (PlanStatus.SUBMITTED, 6)
    assert plan.decision_due_on == date(2026, 10, 13)  # Friday 10-09 + 3 working days: Sat 10-10 works, Mon, Tue
    assert QuarterPlan.objects.count() == 1


@pytest.mark.parametrize(("moment", "allowed"), [(DAY_TEN, True), (DAY_ELEVEN, False)])
def test_day_10_is_in_day_11_is_late(quarter, me, moment, allowed):
    if allowed:
        assert _filed(quarter, me, moment).status == PlanStatus.SUBMITTED
        return
    with at(moment), pytest.raises(InvalidTransition) as late:
        services.plan_save(quarter=quarter, resident=me, values=plan_numbers(), actor=me.user)
    assert "2026年10月20日" in str(late.value.message) and late.value.code == "plan_deadline_passed"
    assert not QuarterPlan.objects.exists()


def test_a_draft_saved_in_time_cannot_be_submitted_late(quarter, me):
    with at(EARLY):
        plan = services.plan_save(quarter=quarter, resident=me, values=plan_numbers(), actor=me.user)
    with at(DAY_ELEVEN), pytest.raises(InvalidTransition):
        services.plan_submit(plan=plan, actor=me.user)
    assert QuarterPlan.objects.get().status == PlanStatus.DRAFT


@pytest.mark.parametrize(
    ("checked_in", "last_day"),
    [(sh(2026, 10, 9, 15), date(2026, 10, 21)),  # checked in on day 2: one day more than the quarter's
     (sh(2026, 11, 16, 9), date(2026, 11, 27))],  # mid-quarter, Monday: the 10th working day is Friday 11-27
)
def test_a_resident_checked_in_mid_quarter_files_within_10_working_days_of_check_in(quarter, resident_a, checked_in,
                                                                                    last_day):
    late_comer = member(resident_a, checked_in_at=checked_in)
    plan = _filed(quarter, late_comer, sh(last_day.year, last_day.month, last_day.day, 23, 59))
    assert plan.status == PlanStatus.SUBMITTED
    QuarterPlan.objects.all().delete()
    with at(sh(last_day.year, last_day.month, last_day.day + 1, 0, 0)), pytest.raises(InvalidTransition):
        services.plan_save(quarter=quarter, resident=late_comer, values=plan_numbers(), actor=late_comer.user)


@pytest.mark.parametrize(
    ("values", "field"),
    [(plan_numbers(planned=-1), "milestones_planned"), (plan_numbers(planned="2.5"), "milestones_planned"),
     (plan_numbers(planned=None), "milestones_planned"), (plan_numbers(target="-0.01"), "revenue_target"),
     (plan_numbers(target=""), "revenue_target"), (plan_numbers(target="abc"), "revenue_target")],
)
def test_bad_numbers_are_refused_naming_the_field_and_nothing_is_written(quarter, me, values, field):
    with at(EARLY), pytest.raises(DomainError) as refused:
        services.plan_save(quarter=quarter, resident=me, values=values, actor=me.user)
    assert refused.value.field == field
    assert not QuarterPlan.objects.exists()


def test_a_zero_target_may_be_filed_and_staff_see_it_before_accepting(quarter, me, administrator):
    plan = _filed(quarter, me, planned=3, target="0")
    assert plan.revenue_target == 0
    accepted = services.plan_accept(plan=plan, actor=administrator)
    assert accepted.status == PlanStatus.ACCEPTED


def test_a_resident_writes_only_its_own_plan(quarter, me, resident_b):
    other = member(resident_b)
    with at(EARLY):
        with pytest.raises(PermissionDenied):
            services.plan_save(quarter=quarter, resident=other, values=plan_numbers(), actor=me.user)
        plan = services.plan_save(quarter=quarter, resident=other, values=plan_numbers(), actor=other.user)
        with pytest.raises(PermissionDenied):
            services.plan_submit(plan=plan, actor=me.user)


def test_a_resident_checked_in_after_the_quarter_has_no_plan_to_file(quarter, resident_a):
    later = member(resident_a, checked_in_at=sh(2027, 1, 4, 9))
    with at(EARLY), pytest.raises(DomainError):
        services.plan_save(quarter=quarter, resident=later, values=plan_numbers(), actor=later.user)


# --- Staff: accept, return ------------------------------------------------------------------------------


def test_staff_accept_and_the_plan_is_locked(quarter, me, administrator):
    plan = _filed(quarter, me)
    with at(sh(2026, 10, 12, 9)):
        accepted = services.plan_accept(plan=plan, actor=administrator)
    assert (accepted.status, accepted.decided_by) == (PlanStatus.ACCEPTED, administrator)
    assert Notification.objects.filter(recipient=me.user, kind="scoring.plan_accepted").exists()
    with at(sh(2026, 10, 12, 10)):
        with pytest.raises(InvalidTransition):
            services.plan_save(quarter=quarter, resident=me, values=plan_numbers(planned=1), actor=me.user)
        with pytest.raises(InvalidTransition):
            services.plan_submit(plan=accepted, actor=me.user)
    with pytest.raises(InvalidTransition):
        services.plan_accept(plan=accepted, actor=administrator)
    assert QuarterPlan.objects.get().milestones_planned == 4


def test_staff_return_with_a_reason_and_the_resident_may_refile_three_working_days_later(quarter, me, administrator):
    plan = _filed(quarter, me)
    with pytest.raises(DomainError) as no_reason:
        services.plan_return(plan=plan, reason="  ", actor=administrator)
    assert no_reason.value.field == "reason"
    with at(sh(2026, 10, 19, 16)):  # Monday, day 9: three working days on is Thursday 10-22
        returned = services.plan_return(plan=plan, reason="里程碑请逐项列出", actor=administrator)
    assert (returned.status, returned.return_reason, returned.refile_due_on) == (
        PlanStatus.RETURNED, "里程碑请逐项列出", date(2026, 10, 22))
    message = Notification.objects.get(recipient=me.user, kind="scoring.plan_returned")
    assert "里程碑请逐项列出" in message.body and "2026年10月22日" in message.body
    with at(sh(2026, 10, 22, 23, 59)):  # after the quarter's deadline, within the refiling days
        services.plan_save(quarter=quarter, resident=me, values=plan_numbers(note="1. A\n2. B"), actor=me.user)
        assert services.plan_submit(plan=returned, actor=me.user).status == PlanStatus.SUBMITTED
    QuarterPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.RETURNED)
    with at(sh(2026, 10, 23, 0, 0)), pytest.raises(InvalidTransition):
        services.plan_submit(plan=returned, actor=me.user)


def test_only_the_administrator_decides_and_never_its_own_plan(quarter, me, daily_staff, oversight, administrator):
    plan = _filed(quarter, me)
    for someone in (daily_staff, oversight, me.user):
        with pytest.raises(PermissionDenied):
            services.plan_accept(plan=plan, actor=someone)
    own = member(administrator)
    own_plan = stored_plan(quarter, own, status=PlanStatus.SUBMITTED)
    with pytest.raises(ConflictOfInterest):
        services.plan_accept(plan=own_plan, actor=administrator)


def test_plans_of_a_confirmed_quarter_no_longer_change(me, administrator):
    quarter = make_quarter(number=4, due=date(2026, 12, 31), status=QuarterStatus.CONFIRMED, rulebook_version=1)
    plan = stored_plan(quarter, me, status=PlanStatus.SUBMITTED)
    with pytest.raises(InvalidTransition):
        services.plan_accept(plan=plan, actor=administrator)
    with pytest.raises(InvalidTransition):
        services.plan_return(plan=plan, reason="x", actor=administrator)


# --- Changes of an accepted plan ------------------------------------------------------------------------------


@pytest.fixture
def accepted(quarter, me, administrator):
    return services.plan_accept(plan=_filed(quarter, me), actor=administrator)


def test_a_change_needs_a_reason_and_staffs_approval_with_a_reason(accepted, me, administrator):
    with at(sh(2026, 11, 2, 9)):
        with pytest.raises(DomainError) as no_reason:
            services.plan_change_request(plan=accepted, values=plan_numbers(planned=3), reason="", actor=me.user)
        assert no_reason.value.field == "reason"
        with pytest.raises(DomainError) as same:
            services.plan_change_request(plan=accepted, values=plan_numbers(), reason="不变", actor=me.user)
        assert same.value.field == "milestones_planned"
        change = services.plan_change_request(plan=accepted, values=plan_numbers(planned=3, target="90000"),
                                              reason="一家客户推迟签约", actor=me.user)
        with pytest.raises(ConflictError):
            services.plan_change_request(plan=accepted, values=plan_numbers(planned=2), reason="再改",
                                         actor=me.user)
    assert (change.status, change.answer_due_on) == (PlanChangeStatus.PENDING, date(2026, 11, 5))
    assert (change.previous_milestones_planned, change.previous_revenue_target) == (4, Decimal("100000.00"))
    assert QuarterPlan.objects.get().milestones_planned == 4  # nothing changes before staff approve
    with pytest.raises(DomainError):
        services.plan_change_approve(change=change, answer="", actor=administrator)
    approved = services.plan_change_approve(change=change, answer="有客户邮件为证", actor=administrator)
    plan = QuarterPlan.objects.get()
    assert (approved.status, approved.answer, approved.decided_by) == (PlanChangeStatus.APPROVED, "有客户邮件为证",
                                                                       administrator)
    assert (plan.status, plan.milestones_planned, plan.revenue_target) == (PlanStatus.ACCEPTED, 3, Decimal("90000"))
    assert Notification.objects.filter(recipient=me.user, kind="scoring.plan_change_approved").exists()
    with pytest.raises(InvalidTransition):
        services.plan_change_refuse(change=approved, answer="晚了", actor=administrator)


def test_a_refused_change_leaves_the_plan_as_it_was(accepted, me, administrator):
    with at(sh(2026, 11, 2, 9)):
        change = services.plan_change_request(plan=accepted, values=plan_numbers(target="0"), reason="市场不好",
                                              actor=me.user)
    refused = services.plan_change_refuse(change=change, answer="目标为 0 需有依据", actor=administrator)
    assert refused.status == PlanChangeStatus.REFUSED
    assert QuarterPlan.objects.get().revenue_target == Decimal("100000")
    assert Notification.objects.filter(recipient=me.user, kind="scoring.plan_change_refused").exists()


def test_a_change_is_asked_until_the_last_day_of_the_quarter_and_only_for_an_accepted_plan(accepted, quarter, me,
                                                                                           resident_b):
    with at(sh(2026, 12, 31, 23, 59)):
        services.plan_change_request(plan=accepted, values=plan_numbers(planned=5), reason="提前完成", actor=me.user)
    PlanChange.objects.all().delete()
    with at(sh(2027, 1, 1, 0, 0)), pytest.raises(InvalidTransition):
        services.plan_change_request(plan=accepted, values=plan_numbers(planned=5), reason="事后", actor=me.user)
    draft = stored_plan(quarter, member(resident_b), status=PlanStatus.DRAFT)
    with at(sh(2026, 11, 2, 9)), pytest.raises(InvalidTransition):
        services.plan_change_request(plan=draft, values=plan_numbers(planned=5), reason="x", actor=draft.resident.user)


def test_another_residents_plan_cannot_be_changed(accepted, resident_b):
    other = member(resident_b)
    with at(sh(2026, 11, 2, 9)), pytest.raises(PermissionDenied):
        services.plan_change_request(plan=accepted, values=plan_numbers(planned=1), reason="x", actor=other.user)


def test_every_step_is_in_the_audit_trail_with_its_actor(quarter, me, administrator):
    plan = _filed(quarter, me)
    services.plan_return(plan=plan, reason="补充说明", actor=administrator)
    trail = [(event.pgh_label, event.pgh_context.metadata["user"], event.pgh_context.metadata["action"], event.status)
             for event in plan.events.order_by("pgh_id")]
    assert trail == [
        ("insert", me.user.pk, "scoring.plan_save", "draft"),
        ("update", me.user.pk, "scoring.plan_submit", "submitted"),
        ("update", administrator.pk, "scoring.plan_return", "returned"),
    ]


def test_an_upheld_appeal_may_accept_the_plan_and_records_the_change(quarter, me, administrator):
    plan = stored_plan(quarter, me, status=PlanStatus.RETURNED, planned=4, target="50000")
    Quarter = type(quarter)
    Quarter.objects.filter(pk=quarter.pk).update(status=QuarterStatus.PUBLISHED)
    services.plan_set_by_appeal(quarter=quarter, resident=me, values={"milestones_planned": 5}, reason="复核成立",
                                actor=administrator)
    plan.refresh_from_db()
    assert (plan.status, plan.milestones_planned, plan.revenue_target) == (PlanStatus.ACCEPTED, 5, Decimal("50000"))
    change = PlanChange.objects.get()
    assert (change.status, change.previous_milestones_planned, change.answer) == (
        PlanChangeStatus.APPROVED, 4, "复核成立")
    services.plan_set_by_appeal(quarter=quarter, resident=me, values={"milestones_planned": 5}, reason="再次",
                                actor=administrator)
    assert PlanChange.objects.count() == 1  # an accepted plan given its own numbers stands
