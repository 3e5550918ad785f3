"""API /api/v1/applications/: the applicant's own (draft, multipart materials, submit, withdraw),
the intake team's list with filters and the review steps as POST actions, 400 with field errors,
another user's application 404, fixed query counts, and the OpenAPI schema."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from residents.models import Application, ApplicationStatus, Resident
from tests.residents.factories import BanFactory, valid_id_number
from tests.residents.support.intake import (
    ID_A,
    JPEG,
    MONDAY,
    PDF,
    TEXT,
    USCC_A,
    at,
    draft,
    private_storage,  # noqa: F401 (fixture)
    submitted,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

LIST = "/api/v1/applications/"


def _api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _detail(application, action: str = "") -> str:
    return f"{LIST}{application.pk}/{action + '/' if action else ''}"


DRAFT = {
    "entity_type": "opc_company", "direction": "ai_native", "person_name": "王五", "id_number": ID_A,
    "company_name": "广州南沙智答科技有限公司", "uscc": USCC_A, "phone": "13800138000",
    "project_summary": "大模型客服助手", "declares_no_dishonesty": True, "consent_id_processing": True,
}


# --- The applicant ---------------------------------------------------------------------------------


def test_the_applicant_applies_end_to_end(outsider):
    client = _api(outsider)
    with at(MONDAY):
        created = client.post(LIST, DRAFT, format="json")
        assert created.status_code == 201, created.json()
        body = created.json()
        assert body["status"] == "draft" and body["id_number_masked"] == "1101**********002X"
        assert "id_number" not in body and body["consent_public_naming"] is False
        pk = body["id"]
        for kind, name, content in [
            ("id_card", "id.jpg", JPEG), ("business_licence", "licence.pdf", PDF), ("project_plan", "plan.pdf", PDF),
        ]:
            uploaded = client.post(f"{LIST}{pk}/documents/", {"kind": kind, "file": upload(name, content)},
                                   format="multipart")
            assert uploaded.status_code == 201, uploaded.json()
        response = client.post(f"{LIST}{pk}/submit/")

    assert response.status_code == 200, response.json()
    result = response.json()
    assert result["status"] == "submitted" and result["round"] == 1
    assert result["review_due_at"] == "2026-06-10T23:59:59+08:00"
    assert len(result["documents"]) == 3
    assert result["documents"][0]["download_url"].startswith("http://testserver/portal/residents/application/documents/")
    assert result["staff"] is None  # the evaluation and override are the intake team's


def test_a_draft_is_changed_with_patch(outsider):
    client = _api(outsider)
    pk = client.post(LIST, {"person_name": "王五"}, format="json").json()["id"]
    response = client.patch(f"{LIST}{pk}/", {"project_summary": "新的简介", "consent_public_naming": True}, format="json")

    assert response.status_code == 200
    application = Application.objects.get()
    assert (application.person_name, application.project_summary) == ("王五", "新的简介")
    assert application.consent_public_naming is True


def test_a_second_draft_is_a_conflict(outsider):
    client = _api(outsider)
    client.post(LIST, {"person_name": "王五"}, format="json")
    assert client.post(LIST, {"person_name": "王五"}, format="json").status_code == 409


def test_bad_input_is_400_with_field_errors_in_chinese(outsider):
    response = _api(outsider).post(LIST, {**DRAFT, "id_number": "110105194912310021", "phone": "12"}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["field"] in ("id_number", "phone")
    assert "校验码" in body["errors"]["id_number"][0]
    assert "11 位" in body["errors"]["phone"][0]
    assert not Application.objects.exists()


def test_serializer_errors_are_400_by_field(outsider):
    response = _api(outsider).post(LIST, {"entity_type": "llc"}, format="json")
    assert response.status_code == 400 and "entity_type" in response.json()


def test_a_refused_submission_lists_what_is_missing(outsider):
    client = _api(outsider)
    pk = client.post(LIST, DRAFT, format="json").json()["id"]
    response = client.post(f"{LIST}{pk}/submit/")

    assert response.status_code == 400
    assert {"id_card", "business_licence", "project_plan"} <= set(response.json()["errors"])


@pytest.mark.parametrize(
    ("content", "message"),
    [(TEXT, "PDF / JPEG / PNG"), (PDF + b"0" * (10 * 1024 * 1024 + 1), "10 MB")],
    ids=["text-renamed-pdf", "11MB"],
)
def test_bad_files_are_400_naming_the_field(outsider, content, message):
    client = _api(outsider)
    pk = client.post(LIST, DRAFT, format="json").json()["id"]
    response = client.post(f"{LIST}{pk}/documents/", {"kind": "project_plan", "file": upload("plan.pdf", content)},
                           format="multipart")
    assert response.status_code == 400
    assert response.json()["field"] == "project_plan" and message in response.json()["detail"]


def test_a_banned_id_number_is_refused_with_the_end_date(outsider):


    BanFactory(id_number=ID_A)
    with at(MONDAY):
        application = draft(outsider)
        response = _api(outsider).post(_detail(application, "submit"))
    assert response.status_code == 400
    assert response.json()["field"] == "id_number" and "2028年1月1日" in response.json()["detail"]


def test_the_applicant_withdraws(outsider):
    application = submitted(outsider)
    response = _api(outsider).post(_detail(application, "withdraw"), {"reason": "另有安排"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"


def test_the_applicant_cannot_run_review_steps(outsider):
    application = submitted(outsider)
    assert _api(outsider).post(_detail(application, "start_evaluation")).status_code == 403


# --- Another user's application: 404 everywhere ----------------------------------------------------


@pytest.mark.parametrize(
    ("method", "action", "data"),
    [
        ("get", "", None),
        ("patch", "", {"project_summary": "x"}),
        ("post", "submit", None),
        ("post", "withdraw", None),
        ("post", "documents", {"kind": "qualification", "file": "x"}),
    ],
)
def test_another_user_gets_404(outsider, resident_b, method, action, data):
    application = submitted(outsider)
    response = getattr(_api(resident_b), method)(_detail(application, action), data)
    assert response.status_code == 404
    assert _api(resident_b).get(LIST).json()["count"] == 0


def test_another_resident_gets_404_too(outsider, member_b):
    application = submitted(outsider)
    assert _api(member_b.user).get(_detail(application)).status_code == 404


def test_anonymous_is_401(outsider):
    application = submitted(outsider)
    assert _api().get(LIST).status_code in (401, 403)
    assert _api().get(_detail(application)).status_code in (401, 403)


# --- The intake team -------------------------------------------------------------------------------


def test_the_intake_team_lists_all_and_filters(outsider, resident_b, intake_staff):
    first = submitted(outsider)
    second = submitted(resident_b, id_number="440106199003075670", entity_type="sole_trader")
    client = _api(intake_staff)

    with at(MONDAY + timedelta(days=30)):
        assert client.get(LIST).json()["count"] == 2
        assert [a["id"] for a in client.get(LIST, {"entity_type": "sole_trader"}).json()["results"]] == [second.pk]
        assert client.get(LIST, {"overdue": "true"}).json()["count"] == 2
        assert client.get(LIST, {"status": "evaluation"}).json()["count"] == 0
    with at(MONDAY):
        assert client.get(LIST, {"overdue": "true"}).json()["count"] == 0
        assert client.get(LIST, {"overdue": "false"}).json()["count"] == 2
    detail = client.get(_detail(first)).json()
    assert detail["staff"]["applicant"] == outsider.pk and detail["id_number_masked"] == "1101**********002X"


def test_the_intake_team_runs_the_workflow(outsider, intake_staff):
    application = submitted(outsider)
    client = _api(intake_staff)
    with at(MONDAY + timedelta(hours=1)):
        assert client.post(_detail(application, "start_evaluation"), {}, format="json").json()["status"] == "evaluation"
        response = client.post(_detail(application, "record_evaluation"), {"feasibility": "可行", "fit": "契合"},
                               format="json")
        assert response.json()["status"] == "evaluated"
        assert response.json()["staff"]["evaluation_fit"] == "契合"
        response = client.post(_detail(application, "approve"), {}, format="json")

    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert Resident.objects.filter(user=outsider).exists()


def test_return_and_reject_need_reasons(outsider, intake_staff):
    application = submitted(outsider)
    client = _api(intake_staff)
    response = client.post(_detail(application, "return"), {"reason": ""}, format="json")
    assert response.status_code == 400 and response.json()["field"] == "reason"
    response = client.post(_detail(application, "return"), {"reason": "请补充营业执照"}, format="json")
    assert response.json()["status"] == "returned" and response.json()["decision_reason"] == "请补充营业执照"


def test_an_illegal_move_is_409_in_chinese(outsider, intake_staff):
    application = submitted(outsider)
    response = _api(intake_staff).post(_detail(application, "approve"), {}, format="json")
    assert response.status_code == 409
    assert "尚未通过初审和项目评估" in response.json()["detail"]
    assert Application.objects.get().status == ApplicationStatus.SUBMITTED


def test_a_flagged_application_needs_the_override(outsider, intake_staff):
    application = submitted(outsider, direction="other", direction_note="面向跨境物流的数据服务")
    client = _api(intake_staff)
    response = client.post(_detail(application, "start_evaluation"), {}, format="json")
    assert response.status_code == 400 and response.json()["field"] == "eligibility_override"
    assert client.get(_detail(application)).json()["eligibility_flags"] == ["direction_other", "individual_not_ai"]
    response = client.post(_detail(application, "start_evaluation"), {"eligibility_override": "经核实符合"}, format="json")
    assert response.json()["staff"]["eligibility_override"] == "经核实符合"


@pytest.mark.parametrize("who", ["oversight", "daily_staff", "resources_staff"])
def test_only_reviewers_run_review_steps(request, outsider, who):
    application = submitted(outsider)
    assert _api(request.getfixturevalue(who)).post(_detail(application, "start_evaluation")).status_code == 403


def test_oversight_reads_everything(outsider, oversight):
    submitted(outsider)
    assert _api(oversight).get(LIST).json()["count"] == 1


@pytest.mark.parametrize("who", ["daily_staff", "resources_staff"])
def test_other_staff_groups_see_only_their_own(request, outsider, who):
    submitted(outsider)
    assert _api(request.getfixturevalue(who)).get(LIST).json()["count"] == 0


# --- Query counts -------------------------------------------------------------------------------


def _make(count: int) -> None:
    from tests.factories import UserFactory

    for index in range(count):
        user = UserFactory(username=f"applicant{index}")
        submitted(user, when=MONDAY + timedelta(minutes=index), id_number=valid_id_number(index))


@pytest.mark.parametrize("rows", [1, 6])
def test_the_staff_list_has_a_fixed_number_of_queries(intake_staff, django_assert_num_queries, rows):
    _make(rows)
    client = _api(intake_staff)
    client.get(LIST)  # warms the role cache of the (forced, reused) user: the role check costs nothing below
    # 1 count, 2 the page of applications (+ applicant, reviewer)
    with django_assert_num_queries(2):
        assert client.get(LIST).json()["count"] == rows


def test_the_detail_has_a_fixed_number_of_queries(outsider, django_assert_num_queries):
    application = submitted(outsider)
    client = _api(outsider)
    client.get(LIST)  # warms the role cache
    # 1 application, 2 documents, 3 transitions (their application is the one already loaded)
    with django_assert_num_queries(3):
        assert client.get(_detail(application)).status_code == 200


# --- Schema --------------------------------------------------------------------------------------


def test_the_endpoints_are_in_the_openapi_schema(openapi_schema):
    paths = openapi_schema["paths"]
    for path in ("/api/v1/applications/", "/api/v1/applications/{id}/", "/api/v1/applications/{id}/documents/",
                 "/api/v1/applications/{id}/submit/", "/api/v1/applications/{id}/return/",
                 "/api/v1/applications/{id}/approve/", "/api/v1/applications/{id}/record_evaluation/"):
        assert path in paths, path
    assert "multipart/form-data" in paths["/api/v1/applications/{id}/documents/"]["post"]["requestBody"]["content"]
    parameters = {p["name"] for p in paths["/api/v1/applications/"]["get"]["parameters"]}
    assert {"status", "overdue", "entity_type", "direction"} <= parameters

