"""Portal pages of the quarterly plan (/portal/scores/plans/): file, see the status, ask for a change; own only.

2026 Q4: the plan is due on Tuesday 10-20 (the 10th working day after National Day).
"""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scoring.models import PlanChange, PlanStatus, QuarterPlan
from tests.scoring.support.inputs import (
    at,
    make_quarter,
    member,
    plan_numbers,
    sh,
    stored_plan,
)

pytestmark = pytest.mark.django_db

EARLY = sh(2026, 10, 9, 10)
LATE = sh(2026, 10, 21, 9)


@pytest.fixture
def quarter():
    return make_quarter(number=4, due=date(2026, 12, 31))


@pytest.fixture
def me(resident_a):
    return member(resident_a, name="张三")


def _page(quarter) -> str:
    return reverse("scoring:plan_detail", args=[quarter.pk])


def test_a_resident_files_and_submits_its_plan(client_for, quarter, me):
    client = client_for(me.user)
    with at(EARLY):
        listed = client.get(reverse("scoring:plan_list")).content.decode()
        assert "2026 Q4" in listed and "未提交" in listed and "2026年10月20日 23:59" in listed
        page = client.get(_page(quarter)).content.decode()
        assert "前 10 个工作日" in page and 'name="milestones_planned"' in page
        assert reverse("scoring:plan_submit", args=[quarter.pk]) not in page  # nothing saved yet
        assert client.post(_page(quarter), plan_numbers(planned=5, note="1. 上线")).status_code == 302
        assert client.post(reverse("scoring:plan_submit", args=[quarter.pk])).status_code == 302
        page = client.get(_page(quarter)).content.decode()
    plan = QuarterPlan.objects.get()
    assert (plan.status, plan.milestones_planned, plan.resident) == (PlanStatus.SUBMITTED, 5, me)
    assert "工作人员将于 2026年10月13日 前接受或退回您的计划" in page
    assert 'name="milestones_planned"' not in page  # submitted: read-only


def test_bad_numbers_come_back_next_to_the_field_with_nothing_lost(client_for, quarter, me):
    with at(EARLY):
        response = client_for(me.user).post(_page(quarter), plan_numbers(target="-5", note="保留的说明"))
    html = response.content.decode()
    assert response.status_code == 400 and 'id="id_revenue_target_error"' in html and "不能为负" in html
    assert "保留的说明" in html and 'value="-5"' in html
    assert not QuarterPlan.objects.exists()


def test_after_the_deadline_the_page_says_completion_and_revenue_score_zero(client_for, quarter, me):
    client = client_for(me.user)
    with at(LATE):
        html = client.get(_page(quarter)).content.decode()
        refused = client.post(_page(quarter), plan_numbers())
    assert "本季度未提交计划：项目完成度和营收表现得 0 分" in html and 'name="milestones_planned"' not in html
    assert refused.status_code == 409 and not QuarterPlan.objects.exists()


def test_a_returned_plan_shows_the_reason_and_can_be_filed_again(client_for, quarter, me):
    stored_plan(quarter, me, status=PlanStatus.RETURNED, return_reason="里程碑请逐项列出",
                refile_due_on=date(2026, 10, 23))
    with at(sh(2026, 10, 22, 9)):
        html = client_for(me.user).get(_page(quarter)).content.decode()
    assert "工作人员退回理由：里程碑请逐项列出" in html
    assert "2026年10月23日 23:59" in html and 'name="milestones_planned"' in html


def test_an_accepted_plan_is_locked_and_a_change_is_asked_with_a_reason(client_for, quarter, me):
    stored_plan(quarter, me, planned=4, target="100000")
    client = client_for(me.user)
    with at(sh(2026, 11, 2, 9)):
        html = client.get(_page(quarter)).content.decode()
        assert 'name="reason"' in html and "申请变更计划" in html
        blank = client.post(reverse("scoring:plan_change", args=[quarter.pk]), plan_numbers(planned=3))
        assert blank.status_code == 400 and 'id="id_reason_error"' in blank.content.decode()
        sent = client.post(reverse("scoring:plan_change", args=[quarter.pk]),
                           {**plan_numbers(planned=3), "reason": "一家客户推迟签约"})
        assert sent.status_code == 302
        html = client.get(_page(quarter)).content.decode()
    assert PlanChange.objects.get().milestones_planned == 3
    assert "您的变更申请待工作人员处理" in html and "里程碑 4 → 3" in html
    assert QuarterPlan.objects.get().milestones_planned == 4


def test_another_residents_quarter_and_plan_are_not_found(client_for, quarter, me, resident_b):
    other = member(resident_b)
    stored_plan(quarter, other, planned=9)
    client = client_for(me.user)
    with at(EARLY):
        html = client.get(_page(quarter)).content.decode()
    assert '<span data-testid="plan-status">未提交</span>' in html and 'data-testid="planned"' not in html
    before = make_quarter(year=2025, number=1)  # before A was checked in
    for name in ("plan_detail", "plan_submit", "plan_change"):
        method = client.get if name == "plan_detail" else client.post
        assert method(reverse(f"scoring:{name}", args=[before.pk])).status_code == 404
    assert QuarterPlan.objects.get().resident == other


def test_staff_and_outsiders_are_refused_and_wrong_methods_too(client_for, quarter, me, daily_staff, outsider):
    for user in (daily_staff, outsider):
        assert client_for(user).get(reverse("scoring:plan_list")).status_code == 403
    client = client_for(me.user)
    assert client.get(reverse("scoring:plan_submit", args=[quarter.pk])).status_code == 405
    assert client.get(reverse("scoring:plan_change", args=[quarter.pk])).status_code == 405
    assert client.delete(_page(quarter)).status_code == 405


@pytest.mark.parametrize("page", ["plan_list", "plan_detail"])
def test_pages_have_a_fixed_number_of_queries(client_for, quarter, me, page):
    client = client_for(me.user)
    target = reverse(f"scoring:{page}", args=[quarter.pk] if page == "plan_detail" else [])
    plan = stored_plan(quarter, me)
    with at(EARLY):
        client.get(target)  # warm-up (session, rulebook cache)
        with CaptureQueriesContext(connection) as few:
            client.get(target)
        for n in range(4):
            PlanChange.objects.create(plan=plan, milestones_planned=n, revenue_target=1, previous_milestones_planned=4,
                                      previous_revenue_target=1, reason="x", requested_by=me.user,
                                      requested_at=sh(2026, 10, 9, n), answer_due_on=date(2026, 10, 14),
                                      status="refused")
        for year in (2024, 2025):  # earlier quarters, before A was checked in or closed
            make_quarter(year=year, number=4, due=date(year, 12, 31), status="final", rulebook_version=1)
        with CaptureQueriesContext(connection) as many:
            client.get(target)
    assert (len(few), len(many)) == (QUERIES[page], QUERIES[page]), [q["sql"][:70] for q in many.captured_queries]


#: session, user, resident, orientation, rulebook in force, unread badge, then — list: plans, quarters
#: (an accepted plan needs no deadline); detail: quarter, plan, its changes, rulebook of the quarter (the
#: working-day calendar is held by the process after the warm-up: no query).
QUERIES = {"plan_list": 8, "plan_detail": 10}
