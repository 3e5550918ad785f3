"""A case's and an appeal's admin page show where they are in the 处罚流程 (done / current / next), the next
step as the primary button for those who may take it and none for a reader; the notice form shows the
rectification deadline it sets by default (第八章第二条)."""

import re

import pytest
from django.urls import reverse

from discipline.services import appeals, cases
from tests.discipline.support.cases import (
    TODAY,
    confirmed_case,
    evidence,
    on_day,
    open_case,
    to_notice,
    to_published,
)
from tests.workflow_pages import next_action_on, steps_on

pytestmark = pytest.mark.django_db

PATH = ["立案", "核实", "整改通知", "整改结果", "处罚决定", "公示", "生效"]


@pytest.fixture
def clock():
    with on_day(TODAY, hour=11):
        yield


def _page(client, case) -> str:
    response = client.get(reverse("admin:discipline_violationcase_change", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _step_url(case, step: str) -> str:
    return reverse("admin:discipline_violationcase_step", args=[case.pk, step])


def _states(done: int, current: str = "current") -> list[tuple[str, str]]:
    return [
        (label, "done" if i < done else current if i == done else "next")
        for i, label in enumerate(PATH)
    ]


def test_a_new_case_is_at_its_first_step_with_verify_as_the_next_action(
    clock, client_for, member_a, daily_staff
):
    case = open_case(member_a, daily_staff)
    html = _page(client_for(daily_staff), case)
    assert steps_on(html) == _states(0)
    assert next_action_on(html) == ("下一步：核实（附证据）", _step_url(case, "verify"))
    assert html.count(_step_url(case, "verify")) == 1  # the primary button only, not again above
    assert _step_url(case, "dismiss") in html  # the other steps stay


def test_a_case_in_the_middle_shows_the_steps_done_and_the_next_one(
    clock, client_for, member_a, daily_staff, administrator
):
    case = open_case(member_a, daily_staff)
    to_notice(case, daily_staff)
    cases.case_mark_rectified(case=case, actor=daily_staff, note="已清理。")
    html = _page(client_for(administrator), case)
    assert steps_on(html) == _states(3)
    assert (
        '<span class="opc-step__state">当前步骤 · 已按期整改</span>' in html
    )  # the alternative names itself
    assert next_action_on(html) == ("下一步：作出处罚决定", _step_url(case, "decide"))
    # the daily team may not decide: no primary button for them (the administrator's step)
    assert next_action_on(_page(client_for(daily_staff), case)) is None


def test_a_confirmed_case_is_at_the_end_with_no_next_action(
    clock, client_for, member_a, daily_staff, administrator
):
    case = confirmed_case(member_a, daily_staff, administrator)
    html = _page(client_for(administrator), case)
    assert steps_on(html) == _states(6)
    assert next_action_on(html) is None


def test_a_dismissed_case_ends_after_the_step_it_left(clock, client_for, member_a, daily_staff):
    case = open_case(member_a, daily_staff)
    cases.case_dismiss(case=case, actor=daily_staff, reason="证据不足。")
    html = _page(client_for(daily_staff), case)
    assert steps_on(html) == [("立案", "done"), ("不予认定", "ended")]
    assert next_action_on(html) is None


def test_a_reader_sees_the_steps_but_no_action_and_no_close_button(
    clock, client_for, member_a, daily_staff, oversight
):
    case = open_case(member_a, daily_staff)
    html = _page(client_for(oversight), case)
    assert steps_on(html) == _states(0)
    assert next_action_on(html) is None and _step_url(case, "verify") not in html
    assert "返回列表" in html and ">关闭<" not in html


def test_the_notice_form_shows_the_default_rectification_deadline(
    clock, client_for, member_a, daily_staff
):
    case = open_case(member_a, daily_staff)
    cases.case_verify(case=case, actor=daily_staff, evidence=[evidence()])
    html = client_for(daily_staff).get(_step_url(case, "notice")).content.decode()
    # 2026-10-12 (today) + the rulebook's 7 days
    assert "默认整改期限：2026年10月19日（自今日起 7 天" in html
    assert re.search(r'name="deadline" value="2026[-/]10[-/]19"', html), re.findall(
        r"<input[^>]*deadline[^>]*>", html
    )


def test_an_appeal_page_shows_its_steps_and_the_answer_button_for_the_administrator(
    clock, client_for, member_a, daily_staff, administrator, oversight
):
    case = open_case(member_a, daily_staff)
    to_published(case, daily_staff, administrator)
    appeal = appeals.appeal_submit(
        case=case, resident=member_a, reason="当天不在社区。", actor=member_a.user
    )
    url = reverse("admin:discipline_appeal_change", args=[appeal.pk])
    html = client_for(administrator).get(url).content.decode()
    assert steps_on(html) == [("待答复", "current"), ("已答复", "next")]
    assert next_action_on(html) == (
        "下一步：答复复核申请",
        reverse("admin:discipline_appeal_decide", args=[appeal.pk]),
    )
    reader = client_for(oversight).get(url).content.decode()
    assert next_action_on(reader) is None and "返回列表" in reader

    appeals.appeal_decide(appeal=appeal, upheld=False, answer="维持原处罚。", actor=administrator)
    html = client_for(administrator).get(url).content.decode()
    assert steps_on(html) == [("待答复", "done"), ("已答复", "current")]
    assert next_action_on(html) is None
