"""Quarterly plans and their changes in the operations desk: the queue with its decision days, accept, return
with a reason, approve or refuse a change with a reason; the quarter list names what awaits review."""

from datetime import date

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from scoring.models import InputStatus, PlanChange, PlanChangeStatus, PlanStatus, QuarterPlan
from tests.scoring.support.inputs import (
    at,
    make_quarter,
    member,
    sh,
    stored_input,
    stored_plan,
)

pytestmark = pytest.mark.django_db

PLANS = reverse("admin:scoring_quarterplan_changelist")
CHANGES = reverse("admin:scoring_planchange_changelist")
QUARTERS = reverse("admin:scoring_quarter_changelist")


@pytest.fixture
def quarter():
    return make_quarter(number=4, due=date(2026, 12, 31))


def _action(client, url, action, *objects, **data):
    return client.post(url, {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **data})


def _change(plan, **fields) -> PlanChange:
    values = {"milestones_planned": 3, "revenue_target": 1, "previous_milestones_planned": plan.milestones_planned,
              "previous_revenue_target": plan.revenue_target, "reason": "客户推迟", "requested_by": plan.resident.user,
              "requested_at": sh(2026, 11, 2, 9), "answer_due_on": date(2026, 11, 5)}
    return PlanChange.objects.create(plan=plan, **{**values, **fields})


def test_the_queue_shows_late_decisions_in_red_and_zero_targets(client_for, administrator, quarter, resident_a,
                                                                resident_b):
    late = stored_plan(quarter, member(resident_a, name="张三"), status=PlanStatus.SUBMITTED,
                       decision_due_on=date(2026, 10, 13))
    stored_plan(quarter, member(resident_b, name="欧阳娜娜"), status=PlanStatus.SUBMITTED, target="0",
                decision_due_on=date(2026, 10, 20))
    stored_plan(quarter, member(name="赵六"))
    client = client_for(administrator)
    with at(sh(2026, 10, 15, 9)):
        html = client.get(PLANS).content.decode()
        only_late = client.get(PLANS, {"late": "yes"}).content.decode()
    assert html.index("张三") < html.index("欧阳娜娜") < html.index("赵六")  # awaiting staff first, earliest day first
    assert "已逾期" in html and "计划中有零值" in html
    assert "张三" in only_late and "欧阳娜娜" not in only_late
    assert client.get(reverse("admin:scoring_quarterplan_change", args=[late.pk])).status_code == 200


def test_accept_and_return_with_a_reason(client_for, administrator, quarter, resident_a, resident_b):
    first = stored_plan(quarter, member(resident_a), status=PlanStatus.SUBMITTED)
    second = stored_plan(quarter, member(resident_b), status=PlanStatus.SUBMITTED)
    client = client_for(administrator)
    _action(client, PLANS, "accept", first)
    asked = _action(client, PLANS, "send_back", second)
    assert asked.status_code == 200 and 'name="reason"' in asked.content.decode()  # the reason first
    blank = _action(client, PLANS, "send_back", second, apply="1", reason="")
    assert blank.status_code == 200
    with at(sh(2026, 10, 12, 9)):
        done = _action(client, PLANS, "send_back", second, apply="1", reason="里程碑请逐项列出")
    assert done.status_code == 302
    statuses = dict(QuarterPlan.objects.values_list("pk", "status"))
    assert statuses == {first.pk: PlanStatus.ACCEPTED, second.pk: PlanStatus.RETURNED}
    assert QuarterPlan.objects.get(pk=second.pk).return_reason == "里程碑请逐项列出"


def test_a_refused_step_is_reported_and_the_others_go_on(client_for, administrator, quarter, resident_a, resident_b):
    draft = stored_plan(quarter, member(resident_a, name="张三"), status=PlanStatus.DRAFT)
    submitted = stored_plan(quarter, member(resident_b), status=PlanStatus.SUBMITTED)
    client = client_for(administrator)
    response = client.get(PLANS) and _action(client, PLANS, "accept", draft, submitted)
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("张三" in m for m in messages) and any("1 份计划" in m for m in messages)
    assert QuarterPlan.objects.get(pk=draft.pk).status == PlanStatus.DRAFT


def test_changes_are_approved_or_refused_with_a_reason(client_for, administrator, quarter, resident_a, resident_b):
    approve = _change(stored_plan(quarter, member(resident_a)))
    refuse = _change(stored_plan(quarter, member(resident_b)), milestones_planned=1)
    client = client_for(administrator)
    html = client.get(CHANGES).content.decode()
    assert "4 → 3" in html and "¥100,000.00 → ¥1.00" in html
    assert _action(client, CHANGES, "approve", approve, apply="1", reason="有客户邮件").status_code == 302
    assert _action(client, CHANGES, "refuse", refuse, apply="1", reason="依据不足").status_code == 302
    statuses = dict(PlanChange.objects.values_list("pk", "status"))
    assert statuses == {approve.pk: PlanChangeStatus.APPROVED, refuse.pk: PlanChangeStatus.REFUSED}
    assert QuarterPlan.objects.get(pk=approve.plan_id).milestones_planned == 3
    assert QuarterPlan.objects.get(pk=refuse.plan_id).milestones_planned == 4


def test_oversight_reads_but_cannot_decide_others_are_refused(client_for, oversight, daily_staff, quarter, resident_a):
    plan = stored_plan(quarter, member(resident_a), status=PlanStatus.SUBMITTED)
    change = _change(stored_plan(make_quarter(number=3), plan.resident))
    assert client_for(daily_staff).get(PLANS).status_code == 403
    client = client_for(oversight)
    assert client.get(PLANS).status_code == 200 and client.get(CHANGES).status_code == 200
    _action(client, PLANS, "accept", plan)
    _action(client, CHANGES, "approve", change, apply="1", reason="x")
    assert QuarterPlan.objects.get(pk=plan.pk).status == PlanStatus.SUBMITTED
    assert PlanChange.objects.get().status == PlanChangeStatus.PENDING


def test_the_quarter_list_names_what_awaits_review(client_for, administrator, quarter, resident_a, resident_b):
    stored_plan(quarter, member(resident_a), status=PlanStatus.SUBMITTED)
    _change(stored_plan(quarter, member(resident_b)))
    stored_input(quarter, member(), plan=None)
    html = client_for(administrator).get(QUARTERS).content.decode()
    assert "1 份计划" in html and "1 项计划变更" in html and "1 份结果" in html
    assert f"{PLANS}?quarter__id__exact={quarter.pk}&amp;status__exact=submitted" in html


@pytest.mark.parametrize("url", [PLANS, CHANGES])
def test_the_queues_have_a_fixed_number_of_queries(client_for, administrator, quarter, url, django_assert_num_queries):
    client = client_for(administrator)

    def add(n: int) -> None:
        for _ in range(n):
            _change(stored_plan(quarter, member(), status=PlanStatus.SUBMITTED))

    add(1)
    client.get(url)
    with django_assert_num_queries(QUERIES[url]):
        client.get(url)
    add(4)
    with django_assert_num_queries(QUERIES[url]):
        assert client.get(url).status_code == 200


#: session, user, groups and permissions, then the changelist: its counts, the page (resident, quarter, decider
#: joined; a change awaiting as a subquery), the quarter filter's choices
QUERIES = {PLANS: 10, CHANGES: 10}


def test_the_quarter_list_keeps_a_fixed_number_of_queries_with_inputs_awaiting(client_for, administrator, quarter,
                                                                              django_assert_num_queries):
    client = client_for(administrator)
    stored_input(quarter, member(), status=InputStatus.SUBMITTED, plan=PlanStatus.SUBMITTED)
    client.get(QUARTERS)
    with django_assert_num_queries(10):
        client.get(QUARTERS)
    for number in (1, 2):
        other = make_quarter(number=number)
        stored_input(other, member(), status=InputStatus.SUBMITTED, plan=PlanStatus.SUBMITTED)
    with django_assert_num_queries(10):
        client.get(QUARTERS)
