"""The dashboard card "季度计划" (RULEBOOK §7.1, decision added 2026-12): the plan of the quarter collecting
inputs — to file by its last day (red from 3 working days before), awaiting staff, returned with the reason,
accepted, or missed (completion and revenue score 0) — never something false for this resident today.

2026 Q4's plans are due on Tuesday 10-20.
"""

from datetime import date

import pytest
from django.urls import reverse

from scoring import cards
from scoring.models import PlanChange, PlanStatus
from tests.scoring.support.inputs import at, make_quarter, member, sh, stored_plan

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("portal:dashboard")


@pytest.fixture
def quarter():
    return make_quarter(number=4, due=date(2026, 12, 31))


@pytest.fixture
def me(resident_a):
    return member(resident_a, name="张三")


def plan_card(client, moment) -> str:
    with at(moment):
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    if 'aria-labelledby="card-plan"' not in html:
        return ""
    return html.split('aria-labelledby="card-plan"', 1)[1].split("</section>", 1)[0]


def test_not_filed_shows_the_last_day_and_turns_red_three_working_days_before(client_for, quarter, me):
    client = client_for(me.user)
    early = plan_card(client, sh(2026, 10, 9, 9))
    assert "季度计划" in early and "2026 Q4" in early and "未提交" in early
    assert "2026年10月20日 23:59" in early and "还剩 11 天" in early and "需要处理" not in early
    assert f'href="{reverse("scoring:plan_detail", args=[quarter.pk])}"' in early
    near = plan_card(client, sh(2026, 10, 15, 9))
    assert "需要处理" in near and "deadline--overdue" in near and "得 0 分" in near


def test_after_the_last_day_without_an_accepted_plan_the_card_says_so(client_for, quarter, me):
    stored_plan(quarter, me, status=PlanStatus.DRAFT)
    card = plan_card(client_for(me.user), sh(2026, 10, 21, 9))
    assert 'data-testid="plan-missed"' in card and "项目完成度和营收表现得 0 分" in card
    assert "2026年10月20日 23:59" not in card  # no deadline that can no longer be met


def test_submitted_returned_and_accepted_plans(client_for, quarter, me):
    client = client_for(me.user)
    plan = stored_plan(quarter, me, status=PlanStatus.SUBMITTED, decision_due_on=date(2026, 10, 14))
    assert "工作人员将于 2026年10月14日 前接受或退回" in plan_card(client, sh(2026, 10, 12, 9))
    type(plan).objects.filter(pk=plan.pk).update(status=PlanStatus.RETURNED, return_reason="请逐项列出里程碑",
                                                 refile_due_on=date(2026, 10, 23))
    returned = plan_card(client, sh(2026, 10, 21, 9))
    assert "请逐项列出里程碑" in returned and "2026年10月23日 23:59" in returned and "需要处理" in returned
    type(plan).objects.filter(pk=plan.pk).update(status=PlanStatus.ACCEPTED)
    PlanChange.objects.create(plan=plan, milestones_planned=3, revenue_target=1, previous_milestones_planned=4,
                              previous_revenue_target=1, reason="x", requested_by=me.user,
                              requested_at=sh(2026, 11, 2, 9), answer_due_on=date(2026, 11, 5))
    accepted = plan_card(client, sh(2026, 11, 3, 9))
    assert "4 个里程碑，营收目标 ¥100,000.00；已锁定。" in accepted and "有一项变更待工作人员处理" in accepted
    assert "status--done" in accepted and "需要处理" not in accepted


def test_no_card_without_an_open_quarter_or_for_a_resident_checked_in_later(client_for, resident_a, resident_b):
    make_quarter(number=4, due=date(2026, 12, 31), status="drafted", rulebook_version=1)
    assert plan_card(client_for(member(resident_a).user), sh(2026, 10, 9, 9)) == ""
    open_quarter = make_quarter(year=2027, number=1, due=date(2027, 3, 31))
    later = member(resident_b, checked_in_at=sh(2027, 4, 6, 9))
    assert open_quarter and plan_card(client_for(later.user), sh(2027, 4, 7, 9)) == ""


def test_the_card_reads_a_fixed_number_of_queries(quarter, me, django_assert_num_queries):
    # the open quarters, my plans, the calendar (2), the rulebook of the quarter
    with at(sh(2026, 10, 9, 9)), django_assert_num_queries(5):
        assert cards.plan_due(me)["rows"][0]["until"] == date(2026, 10, 20)
    type(quarter).objects.filter(pk=quarter.pk).update(status="drafted")
    with django_assert_num_queries(1):
        assert cards.plan_due(me) is None
