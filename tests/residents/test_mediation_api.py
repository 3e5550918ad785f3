"""/api/v1/mediations/, /api/v1/rule-questions/ and /api/v1/rule-faq/: parties and staff, filters,
refusals, fixed query counts, the schema."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from residents.models import MediationStatus
from residents.services import mediation as services
from residents.services import rule_questions as questions
from tests.residents.support.mediation import ask, member_c_of, request_mediation, schedule

pytestmark = pytest.mark.django_db

LIST = reverse("mediation-list")
Q_LIST = reverse("rule-question-list")
FAQ = reverse("rule-faq-list")


def url(mediation, action: str | None = None) -> str:
    if action:
        return reverse(f"mediation-{action}", args=[mediation.pk])
    return reverse("mediation-detail", args=[mediation.pk])


@pytest.fixture
def api_for():
    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def mediation(member_a, member_b):
    return request_mediation(member_a, member_b)


def test_both_parties_read_it_a_third_resident_gets_404(api_for, mediation, member_a, member_b):
    for party in (member_a, member_b):
        assert api_for(party.user).get(url(mediation)).status_code == 200
        assert api_for(party.user).get(LIST).json()["count"] == 1
    third = api_for(member_c_of().user)
    assert third.get(url(mediation)).status_code == 404
    assert third.get(LIST).json()["count"] == 0
    assert third.post(url(mediation, "statement"), {"text": "x"}).status_code == 404


def test_anonymous_and_outsiders_are_refused(api_for, client, outsider):
    assert client.get(LIST).status_code in (401, 403)
    assert api_for(outsider).get(LIST).status_code == 403
    assert api_for(outsider).get(Q_LIST).status_code == 403


def test_a_resident_requests_and_the_team_schedules_and_closes(api_for, member_a, member_b, daily_staff):
    response = api_for(member_a.user).post(LIST, {"respondent": member_b.pk, "facts": "噪音", "wish": "降低音量"})
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    staff = api_for(daily_staff)
    scheduled = staff.post(reverse("mediation-schedule", args=[pk]),
                           {"session_at": "2099-01-05T14:00:00+08:00", "place": "302 洽谈室"}, format="json")
    assert scheduled.status_code == 200, scheduled.json()
    closed = staff.post(reverse("mediation-close", args=[pk]), {
        "requester_attended": True, "respondent_attended": False, "agreed": False, "outcome": "对方未到场",
    }, format="json")
    assert closed.status_code == 200
    assert closed.json()["status"] == MediationStatus.FAILED
    assert "人民法院" in closed.json()["next_steps"]


def test_residents_cannot_schedule_and_bad_input_is_400(api_for, mediation, member_a, daily_staff, oversight):
    assert api_for(member_a.user).post(url(mediation, "schedule"), {"place": "x"}).status_code == 403
    assert api_for(oversight).post(url(mediation, "schedule"), {"place": "x"}).status_code == 403
    assert api_for(oversight).get(LIST).status_code == 200
    bad = api_for(daily_staff).post(url(mediation, "schedule"), {"session_at": "not a date", "place": ""})
    assert bad.status_code == 400
    closing_too_early = api_for(daily_staff).post(url(mediation, "close"), {
        "requester_attended": True, "respondent_attended": True, "agreed": True, "outcome": "x",
    })
    assert closing_too_early.status_code == 409


def test_staff_filter_by_status_resident_and_overdue(api_for, mediation, member_a, member_b, daily_staff):
    other = request_mediation(member_c_of(), member_b)
    schedule(other, daily_staff)
    staff = api_for(daily_staff)
    assert [row["id"] for row in staff.get(LIST, {"status": "scheduled"}).json()["results"]] == [other.pk]
    assert staff.get(LIST, {"resident": member_b.pk}).json()["count"] == 2
    assert staff.get(LIST, {"resident": member_a.pk}).json()["count"] == 1
    assert staff.get(LIST, {"overdue": "true"}).json()["count"] == 2  # requested in 2026-09, now later
    assert staff.get(LIST, {"status": "nonsense"}).status_code == 400


def test_questions_the_answer_and_the_faq(api_for, member_a, member_b, daily_staff):
    asked = api_for(member_a.user).post(Q_LIST, {"topic": "violation:4c", "text": "转发海报算擅自宣传吗？"})
    assert asked.status_code == 201
    pk = asked.json()["id"]
    assert api_for(member_b.user).get(reverse("rule-question-detail", args=[pk])).status_code == 404
    assert api_for(member_a.user).post(Q_LIST, {"topic": "nope", "text": "x"}).status_code == 400
    staff = api_for(daily_staff)
    assert staff.get(Q_LIST, {"overdue": "false", "topic": "violation:4c"}).json()["count"] == 1
    assert staff.post(reverse("rule-question-answer", args=[pk]), {"answer": "不算。"}).status_code == 200
    refused = staff.post(reverse("rule-question-publish", args=[pk]),
                         {"faq_question": "张三转发海报算吗？", "faq_answer": "不算。"})
    assert refused.status_code == 400
    published = staff.post(reverse("rule-question-publish", args=[pk]),
                           {"faq_question": "转发海报算擅自宣传吗？", "faq_answer": "不算。"})
    assert published.status_code == 201
    faq = api_for(member_b.user).get(FAQ).json()
    assert faq["count"] == 1 and faq["results"][0]["question"] == "转发海报算擅自宣传吗？"
    assert api_for(member_a.user).post(reverse("rule-question-answer", args=[pk]), {"answer": "x"}).status_code == 403


def _queries(client, target) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(target).status_code == 200
    return len(captured)


@pytest.mark.parametrize("who", ["resident", "staff"])
def test_lists_have_a_fixed_number_of_queries(api_for, member_a, member_b, daily_staff, who):
    request_mediation(member_a, member_b)
    question = questions.question_answer(question=ask(member_a), text="答复", actor=daily_staff)
    questions.faq_publish(question=question, faq_question="问题", faq_answer="答复", actor=daily_staff)
    client = api_for(member_a.user if who == "resident" else daily_staff)
    targets = (LIST, Q_LIST, FAQ)
    for target in targets:
        client.get(target)
    before = {target: _queries(client, target) for target in targets}
    for n in range(4):
        request_mediation(member_c_of(), member_a, facts=f"纠纷 {n}")
        question = questions.question_answer(question=ask(member_a, text=f"问题 {n}"), text="答复", actor=daily_staff)
        questions.faq_publish(question=question, faq_question=f"问题 {n}", faq_answer="答复", actor=daily_staff)
    assert {target: _queries(client, target) for target in targets} == before


def test_a_mediation_detail_has_a_fixed_number_of_queries(api_for, mediation, member_a, member_b):
    client = api_for(member_a.user)
    client.get(url(mediation))
    before = _queries(client, url(mediation))
    for n in range(4):
        services.mediation_statement(mediation=mediation, text=f"陈述 {n}", actor=member_b.user)
    assert _queries(client, url(mediation)) == before
    assert len(client.get(url(mediation)).json()["statements"]) == 4


def test_the_endpoints_are_in_the_openapi_schema(openapi_schema):
    paths = openapi_schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/mediations/"])
    for action in ("statement", "withdraw", "schedule", "close"):
        assert f"/api/v1/mediations/{{id}}/{action}/" in paths
    for action in ("answer", "publish"):
        assert f"/api/v1/rule-questions/{{id}}/{action}/" in paths
    assert "/api/v1/rule-faq/" in paths
