"""Portal pages, the staff desk and the API of the start-up services and the survey (第五章第三条、第四条):
a resident reads only its own requests and nobody reads survey answers; fixed query counts."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from resources.models import RequestStatus, ServiceRequest, SurveyResponse
from resources.services import stage as services
from resources.services import surveys as survey_services
from tests.resources.support import member, requested, stage_service

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_services_page_lists_the_catalogue_and_my_requests(member_a, client_for):
    requested(member_a, need="商业计划书")
    page = client_for(member_a.user).get(reverse("resources:services"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "初创期" in text and "成长期" in text and "成熟期" in text and "投融资与并购重组" in text
    assert 'data-testid="service-requests"' in text and "商业计划书撰写" in text


def test_request_a_service_in_the_portal(member_a, client_for):
    client = client_for(member_a.user)
    service = stage_service("compliance_review")
    assert client.get(reverse("resources:service_request_new", args=[service.pk])).status_code == 200
    response = client.post(reverse("resources:service_request_new", args=[service.pk]), {"need": "数据合规审查"})
    item = ServiceRequest.objects.get()
    assert response.status_code == 302 and response.url == reverse("resources:service_request", args=[item.pk])
    detail = client.get(response.url).content.decode()
    assert "数据合规审查" in detail and "2026年10月14日" in detail


def test_an_empty_need_comes_back_in_chinese(member_a, client_for):
    response = client_for(member_a.user).post(
        reverse("resources:service_request_new", args=[stage_service().pk]), {"need": ""})
    assert response.status_code == 400 and "该字段是必填项" in response.content.decode()


def test_a_resident_cannot_see_or_touch_another_residents_request(member_a, member_b, client_for, resources_staff):
    theirs = requested(member_b, need="别人的秘密需求")
    client = client_for(member_a.user)
    assert client.get(reverse("resources:service_request", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("resources:service_request_cancel", args=[theirs.pk])).status_code == 404
    assert "别人的秘密需求" not in client.get(reverse("resources:services")).content.decode()
    services.request_close(request=theirs, result="完成", actor=resources_staff)
    assert client.post(reverse("resources:service_request_rate", args=[theirs.pk]), {"rating": "1"}).status_code == 404
    api = _api(member_a.user)
    assert api.get("/api/v1/service-requests/").json()["count"] == 0
    assert api.get(f"/api/v1/service-requests/{theirs.pk}/").status_code == 404
    assert api.post(f"/api/v1/service-requests/{theirs.pk}/rate/", {"rating": 1}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.rating is None


def test_rate_and_cancel_in_the_portal(member_a, client_for, resources_staff):
    client = client_for(member_a.user)
    item = services.request_close(request=requested(member_a), result="已完成", actor=resources_staff)
    page = client.get(reverse("resources:service_request", args=[item.pk])).content.decode()
    assert 'data-testid="rating-form"' in page
    client.post(reverse("resources:service_request_rate", args=[item.pk]), {"rating": "5", "comment": "很专业"})
    item.refresh_from_db()
    assert (item.rating, item.rating_comment) == (5, "很专业")
    other = requested(member_a, code="registration")
    client.post(reverse("resources:service_request_cancel", args=[other.pk]), {"reason": "已自行办理"})
    other.refresh_from_db()
    assert other.status == RequestStatus.CANCELLED and other.cancel_reason == "已自行办理"


def test_a_suspended_resident_sees_why_instead_of_the_form(member_a, client_for):
    from residents.guards import Refusal, register_guard, unregister_guard

    register_guard("test.stage", lambda resident, action, *, at: Refusal("资源使用权限已暂停至 2026年10月20日"))
    try:
        page = client_for(member_a.user).get(reverse("resources:service_request_new", args=[stage_service().pk]))
    finally:
        unregister_guard("test.stage")
    text = page.content.decode()
    assert "资源使用权限已暂停" in text and 'data-testid="service-request-form"' not in text


def test_the_portal_pages_take_a_fixed_number_of_queries(member_a, client_for, resources_staff,
                                                         django_assert_max_num_queries):
    for code in ("business_plan", "ai_guidance", "registration", "brand_promotion"):
        services.request_close(request=requested(member_a, code=code), result="完成", actor=resources_staff)
    client = client_for(member_a.user)
    client.get(reverse("resources:services"))
    with django_assert_max_num_queries(16):
        assert client.get(reverse("resources:services")).status_code == 200


# --- The survey in the portal -----------------------------------------------------------------------------------


def test_answer_the_survey_once_in_the_portal(member_a, client_for):
    survey = survey_services.survey_ensure_current()
    client = client_for(member_a.user)
    page = client.get(reverse("resources:survey")).content.decode()
    assert 'data-testid="survey-form"' in page and "办公区与公共区域的整洁、安全" in page
    response = client.post(reverse("resources:survey"), {"spaces__cleanliness": "4", "spaces__booking": "5"})
    assert response.status_code == 302
    assert SurveyResponse.objects.filter(survey=survey, resident=member_a).count() == 1
    done = client.get(reverse("resources:survey")).content.decode()
    assert 'data-testid="survey-done"' in done and 'data-testid="survey-form"' not in done
    client.post(reverse("resources:survey"), {"spaces__cleanliness": "1"})  # a second post changes nothing
    assert SurveyResponse.objects.filter(survey=survey).count() == 1


def test_an_empty_survey_is_refused_with_a_reason(member_a, client_for):
    survey_services.survey_ensure_current()
    response = client_for(member_a.user).post(reverse("resources:survey"), {})
    assert response.status_code == 400 and "请至少回答一个问题" in response.content.decode()


def test_nobody_reads_survey_answers_through_the_api(member_a, member_b, resources_staff):
    survey = survey_services.survey_ensure_current()
    survey_services.survey_answer(survey=survey, resident=member_b, answers={"spaces": {"cleanliness": 1}},
                                  actor=member_b.user)
    rows = _api(member_a.user).get("/api/v1/service-surveys/").json()["results"]
    assert rows[0]["answered"] is False  # only whether *I* answered, never what anyone answered
    assert _api(member_b.user).get("/api/v1/service-surveys/").json()["results"][0]["answered"] is True
    assert _api(member_a.user).get(f"/api/v1/service-surveys/{survey.pk}/results/").status_code == 403
    results = _api(resources_staff).get(f"/api/v1/service-surveys/{survey.pk}/results/").json()
    spaces = next(row for row in results if row["code"] == "spaces")
    assert spaces["current"] == {"answers": 1, "average": None}  # one answer < 5: no number
    text = str(results)
    assert "欧阳娜娜" not in text and str(member_b.pk) not in [str(v) for row in results for v in row.values()]


def test_answer_through_the_api_and_a_second_time_409(member_a):
    survey = survey_services.survey_ensure_current()
    api = _api(member_a.user)
    first = api.post(f"/api/v1/service-surveys/{survey.pk}/answer/",
                     {"answers": {"spaces": {"cleanliness": 5}}}, format="json")
    assert first.status_code == 201, first.json()
    again = api.post(f"/api/v1/service-surveys/{survey.pk}/answer/",
                     {"answers": {"spaces": {"cleanliness": 5}}}, format="json")
    assert again.status_code == 409


# --- API and the staff desk -----------------------------------------------------------------------------------


def test_api_request_and_staff_steps(member_a, resources_staff, administrator):
    service = stage_service("investment_ma")
    created = _api(member_a.user).post("/api/v1/service-requests/", {"service": service.pk, "need": "A 轮融资对接"},
                                       format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["response_sla"] == "pending"
    assert _api(member_a.user).post(f"/api/v1/service-requests/{pk}/respond/", {"text": "x"}).status_code == 403
    staff = _api(resources_staff)
    assert staff.post(f"/api/v1/service-requests/{pk}/assign/", {"handler": administrator.pk}).json()[
        "handler"] == administrator.pk
    assert staff.post(f"/api/v1/service-requests/{pk}/respond/", {"text": "已约投资机构"}).json()["status"] == \
        "in_progress"
    assert staff.post(f"/api/v1/service-requests/{pk}/respond/", {"text": "again"}).status_code == 409
    closed = staff.post(f"/api/v1/service-requests/{pk}/close/", {"result": "已完成对接"})
    assert closed.json()["status"] == "closed"
    rated = _api(member_a.user).post(f"/api/v1/service-requests/{pk}/rate/", {"rating": 4, "comment": "好"})
    assert rated.json()["rating"] == 4
    assert _api(member_a.user).post(f"/api/v1/service-requests/{pk}/rate/", {"rating": 9}).status_code == 400
    assert staff.get("/api/v1/service-requests/?stage=mature&status=closed").json()["count"] == 1
    assert staff.get("/api/v1/service-requests/?overdue=true").json()["count"] == 0
    assert _api(member_a.user).get("/api/v1/stage-services/?stage=growth").json()["count"] == 2


@pytest.mark.parametrize("url", ["/api/v1/service-requests/", "/api/v1/stage-services/",
                                 "/api/v1/service-surveys/"])
def test_api_lists_take_a_fixed_number_of_queries(url, resources_staff, django_assert_max_num_queries):
    for index in range(4):
        requested(member(name=f"居民{index}"))
    survey_services.survey_ensure_current()
    survey_services.survey_ensure(year=2026, quarter=3)
    client = _api(resources_staff)
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert response.status_code == 200 and response.json()["count"] >= 2


def test_the_staff_queue_flags_overdue_and_handles_by_action(member_a, resources_staff, client_for,
                                                             django_assert_max_num_queries):
    from tests.resources.support import at, sh

    item = requested(member_a)
    for index in range(3):
        requested(member(name=f"居民{index}"))
    client = client_for(resources_staff)
    url = reverse("admin:resources_servicerequest_changelist")
    with at(sh(2026, 10, 15, 9, 0)):
        client.get(url)
        with django_assert_max_num_queries(20):
            page = client.get(url + "?overdue=yes")
        assert page.status_code == 200 and "逾期" in page.content.decode()
    response = client.post(url, {"action": "respond", "_selected_action": [item.pk], "apply": "1",
                                 "text": "已收到，明天联系您"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == RequestStatus.IN_PROGRESS and item.handler == resources_staff


def test_the_survey_results_page_shows_a_chart_and_no_residents(member_a, resources_staff, client_for):
    survey = survey_services.survey_ensure_current()
    survey_services.survey_answer(survey=survey, resident=member_a, answers={"spaces": {"cleanliness": 5}},
                                  actor=member_a.user)
    page = client_for(resources_staff).get(reverse("admin:resources_survey_results", args=[survey.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and 'id="survey-chart-title"' in text and "答卷过少" in text
    assert "张三" not in text
