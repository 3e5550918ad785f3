"""The operations desk for mediation and questions about the rules: the steps as admin actions,
readers read only, overdue filter, fixed query counts on the lists."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from residents.models import MediationStatus, QuestionStatus, RuleFaq
from tests.residents.support.mediation import ask, member_c_of, request_mediation

pytestmark = pytest.mark.django_db

MEDIATIONS = reverse("admin:residents_mediation_changelist")
QUESTIONS = reverse("admin:residents_rulequestion_changelist")
FAQS = reverse("admin:residents_rulefaq_changelist")


def test_the_team_schedules_and_closes_from_the_list(client_for, member_a, member_b, daily_staff):
    mediation = request_mediation(member_a, member_b)
    client = client_for(daily_staff)
    page = client.post(MEDIATIONS, {"action": "schedule", "_selected_action": [mediation.pk]})
    assert page.status_code == 200 and "调解地点" in page.content.decode()
    done = client.post(MEDIATIONS, {
        "action": "schedule", "_selected_action": [mediation.pk], "apply": "1",
        "session_at_0": "2099-01-05", "session_at_1": "14:00", "place": "302 洽谈室",
    })
    assert done.status_code == 302
    mediation.refresh_from_db()
    assert mediation.status == MediationStatus.SCHEDULED
    client.post(MEDIATIONS, {
        "action": "close", "_selected_action": [mediation.pk], "apply": "1", "requester_attended": "yes",
        "respondent_attended": "yes", "result": "agreed", "outcome": "双方同意按预约使用会议室。",
    })
    mediation.refresh_from_db()
    assert mediation.status == MediationStatus.AGREED


def test_an_faq_with_personal_data_is_refused_on_the_page(client_for, member_a, daily_staff):
    question = ask(member_a)
    client = client_for(daily_staff)
    client.post(QUESTIONS, {"action": "answer", "_selected_action": [question.pk], "apply": "1", "answer": "不算。"})
    question.refresh_from_db()
    assert question.status == QuestionStatus.ANSWERED
    refused = client.post(QUESTIONS, {
        "action": "publish_faq", "_selected_action": [question.pk], "apply": "1",
        "faq_question": "张三转发海报算擅自宣传吗？", "faq_answer": "不算。",
    })
    assert refused.status_code == 200 and "个人信息" in refused.content.decode()
    assert not RuleFaq.objects.exists()


def test_oversight_reads_but_cannot_act(client_for, member_a, member_b, oversight):
    mediation = request_mediation(member_a, member_b)
    client = client_for(oversight)
    assert client.get(MEDIATIONS).status_code == 200
    client.post(MEDIATIONS, {
        "action": "schedule", "_selected_action": [mediation.pk], "apply": "1",
        "session_at_0": "2099-01-05", "session_at_1": "14:00", "place": "302",
    })
    mediation.refresh_from_db()
    assert mediation.status == MediationStatus.REQUESTED


def test_residents_cannot_open_the_desk(client_for, member_a):
    assert client_for(member_a.user).get(MEDIATIONS).status_code == 302


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_lists_have_a_fixed_number_of_queries(client_for, member_a, member_b, daily_staff):
    request_mediation(member_a, member_b)
    ask(member_a)
    client = client_for(daily_staff)
    urls = (MEDIATIONS, f"{MEDIATIONS}?overdue=yes", QUESTIONS, FAQS)
    for url in urls:
        client.get(url)
    before = {url: _queries(client, url) for url in urls}
    for n in range(4):
        request_mediation(member_c_of(), member_b, facts=f"纠纷 {n}")
        ask(member_a, text=f"问题 {n}")
    assert {url: _queries(client, url) for url in urls} == before


def test_a_mediation_page_shows_the_statements_read_only(client_for, member_a, member_b, daily_staff):
    from residents.services import mediation as services

    mediation = request_mediation(member_a, member_b)
    services.mediation_statement(mediation=mediation, text="我方先预约了会议室", actor=member_b.user)
    page = client_for(daily_staff).get(reverse("admin:residents_mediation_change", args=[mediation.pk]))
    assert page.status_code == 200
    assert "我方先预约了会议室" in page.content.decode()
    question = ask(member_a)
    assert client_for(daily_staff).get(
        reverse("admin:residents_rulequestion_change", args=[question.pk])
    ).status_code == 200
