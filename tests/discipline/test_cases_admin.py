"""The operations desk for the 处罚流程 (第八章第二条): the case queue by deadline, the named steps, a
resident's discipline history, appeals answered in the admin and the decision ledger's verify page."""

from datetime import timedelta

import pgtrigger
import pytest
from django.urls import reverse

from discipline.models import AppealStatus, CaseStatus, DecisionLedgerEntry, ViolationCase
from discipline.services import appeals
from tests.discipline.support.cases import (
    TODAY,
    confirmed_case,
    evidence,
    on_day,
    open_case,
    to_notice,
    to_published,
)

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:discipline_violationcase_changelist")


@pytest.fixture
def clock():
    with on_day(TODAY, hour=11):
        yield


def _order(html: str, numbers: list[str]) -> list[str]:
    return sorted(numbers, key=html.index)


def test_the_queue_is_sorted_by_the_next_deadline(clock, client_for, member_a, member_b, daily_staff, administrator):
    found = open_case(member_a, daily_staff, facts="无期限的案件")
    later = open_case(member_b, daily_staff, kind="2c")
    to_notice(later, daily_staff, deadline=TODAY + timedelta(days=9))
    sooner = open_case(member_a, daily_staff, kind="5b")
    to_notice(sooner, daily_staff, deadline=TODAY + timedelta(days=2))
    appealed = open_case(member_b, daily_staff, kind="2b")
    to_published(appealed, daily_staff, administrator)
    appeals.appeal_submit(case=appealed, resident=member_b, reason="事实有误", actor=member_b.user)  # due Thu 15th

    html = client_for(administrator).get(QUEUE).content.decode()

    numbers = [c.number for c in (found, later, sooner, appealed)]
    assert _order(html, numbers) == [sooner.number, appealed.number, later.number, found.number]
    assert "整改期限 · 2026年10月14日" in html and "复核答复" in html


@pytest.mark.parametrize("n", [1, 6])
def test_the_queue_costs_the_same_for_any_number_of_cases(clock, client_for, member_a, daily_staff, administrator,
                                                          django_assert_num_queries, n):
    for i in range(n):
        case = open_case(member_a, daily_staff, occurred_on=TODAY - timedelta(days=i))
        to_notice(case, daily_staff)
    client = client_for(administrator)
    client.get(QUEUE)
    # session, user, permissions ×2, the rulebook ×2 (kind filter, the kind labels of the queryset), counts ×2,
    # groups, the cases (with resident, notice, next deadline and kind label); no resident list in the sidebar
    with django_assert_num_queries(10):
        assert client.get(QUEUE).status_code == 200


def test_a_residents_history_lists_only_its_cases(clock, client_for, member_a, member_b, daily_staff, administrator):
    mine = confirmed_case(member_a, daily_staff, administrator, kind="2b")
    theirs = open_case(member_b, daily_staff, kind="5b")
    client = client_for(administrator)
    page = client.get(reverse("admin:discipline_violationcase_change", args=[mine.pk])).content.decode()
    history = f"{QUEUE}?resident__id__exact={member_a.pk}"
    assert history in page and "该入驻主体的违规记录" in page
    html = client.get(history).content.decode()
    assert mine.number in html and theirs.number not in html


def test_the_steps_through_the_admin(clock, client_for, member_a, administrator):
    client = client_for(administrator)
    response = client.post(reverse("admin:discipline_violationcase_add"), {
        "resident": member_a.pk, "kind": "3a", "occurred_on": TODAY.isoformat(),
        "facts": "长时间占用共享 GPU 用于非项目用途。",
    })
    case = ViolationCase.objects.get()
    assert response.status_code == 302 and case.status == CaseStatus.FOUND

    def step(name: str, data: dict) -> None:
        assert client.post(reverse("admin:discipline_violationcase_step", args=[case.pk, name]), data).status_code == 302

    step("verify", {"evidence": evidence()})
    step("notice", {"requirement": "立即停止占用并释放资源。", "deadline": (TODAY + timedelta(days=3)).isoformat()})
    step("rectified", {"note": "已释放。"})
    step("decide", {})
    step("publish", {"public_facts": "长时间占用共享 GPU 用于非项目用途。"})
    case.refresh_from_db()
    assert case.status == CaseStatus.PUBLISHED
    assert [m.type for m in case.measures.order_by("id")] == ["warning", "suspension"]


def test_a_ranged_fine_outside_the_range_is_refused_in_the_decide_form(clock, client_for, member_a, daily_staff,
                                                                       administrator):
    confirmed_case(member_a, daily_staff, administrator, kind="3a", occurred_on=TODAY - timedelta(days=30))
    case = open_case(member_a, daily_staff, kind="3a")  # second time: fine 100–300 + 7 days
    to_notice(case, daily_staff)
    url = reverse("admin:discipline_violationcase_step", args=[case.pk, "decide"])
    response = client_for(administrator).post(url, {"amount_0": "350"})
    assert response.status_code == 200
    assert "¥100.00" in response.content.decode() and "¥300.00" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.NOTICE_ISSUED and not case.measures.exists()


def test_only_the_administrator_decides_and_publishes(clock, client_for, member_a, daily_staff, oversight):
    case = open_case(member_a, daily_staff)
    to_notice(case, daily_staff)
    url = reverse("admin:discipline_violationcase_step", args=[case.pk, "decide"])
    assert client_for(oversight).post(url, {}).status_code == 403
    assert client_for(oversight).get(QUEUE).status_code == 200  # oversight reads
    assert client_for(member_a.user).get(QUEUE).status_code == 302  # residents go to the staff login


def test_the_administrator_answers_an_appeal_in_the_admin(clock, client_for, member_a, daily_staff, administrator,
                                                          oversight):
    case = open_case(member_a, daily_staff)
    to_published(case, daily_staff, administrator)
    appeal = appeals.appeal_submit(case=case, resident=member_a, reason="当天不在社区。", actor=member_a.user)
    url = reverse("admin:discipline_appeal_decide", args=[appeal.pk])
    assert client_for(oversight).post(url, {"upheld": "upheld", "answer": "x"}).status_code == 403

    page = client_for(administrator).get(reverse("admin:discipline_appeal_changelist")).content.decode()
    assert case.number in page
    response = client_for(administrator).post(url, {"upheld": "upheld", "answer": "经核实当天不在社区，撤销处罚。"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    case.refresh_from_db()
    assert appeal.status == AppealStatus.UPHELD and case.status == CaseStatus.ANNULLED
    assert DecisionLedgerEntry.objects.filter(kind="appeal", object_id=appeal.pk).exists()


def test_the_ledger_page_verifies_the_chain_and_names_the_first_broken_link(clock, client_for, member_a, daily_staff,
                                                                            administrator):
    confirmed_case(member_a, daily_staff, administrator, kind="2b", occurred_on=TODAY - timedelta(days=2))
    confirmed_case(member_a, daily_staff, administrator, kind="2b")
    client = client_for(administrator)
    changelist = reverse("admin:discipline_decisionledgerentry_changelist")
    verify = reverse("admin:discipline_ledger_verify")
    assert "校验链条" in client.get(changelist).content.decode()

    page = client.post(verify, follow=True).content.decode()
    assert "已核实" in page and "链条在第" not in page

    first = DecisionLedgerEntry.objects.order_by("sequence").first()
    with pgtrigger.ignore("discipline.DecisionLedgerEntry:append_only_update"):
        DecisionLedgerEntry.objects.filter(pk=first.pk).update(content={**first.content, "kind": "2c"})
    page = client.post(verify, follow=True).content.decode()
    assert "链条在第 1 条断裂" in page
