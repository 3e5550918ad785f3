"""/api/v1/complaints/: residents on their own complaints, staff on all of them; refusals; the schema."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext
from rest_framework.test import APIClient

from residents.models import Complaint, ComplaintStatus, MessageKind
from residents.services import complaints as services
from tests.residents.support.complaints import (
    FILED,
    RESPONSE_DUE,
    at,
    fake_pdf_upload,
    file_complaint,
    pdf_upload,
    sh,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaint_a(member_a):
    """Resident A's complaint, filed at the conformance moment (Wed 2026-09-30)."""
    return file_complaint(member_a)

LIST = reverse("complaint-list")


@pytest.fixture
def api_for():
    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def url(complaint, action: str | None = None) -> str:
    if action is None:
        return reverse("complaint-detail", args=[complaint.pk])
    return reverse(f"complaint-{action}", args=[complaint.pk])


def _solved(complaint, staff):
    with at(sh(2026, 10, 8, 9, 0)):
        return services.complaint_solve(complaint=complaint, text="已处理", actor=staff)


# --- Residents -------------------------------------------------------------------------------------


def test_a_resident_files_with_a_multipart_attachment(api_for, member_a):
    with at(FILED):
        response = api_for(member_a.user).post(
            LIST,
            {"category": "facilities", "subject": "空调不制冷", "text": "301 会议室", "attachment": pdf_upload()},
            format="multipart",
        )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "open" and body["status_display"] == "待响应"
    assert body["channel"] == "portal"
    assert body["response_due_at"] == "2026-10-09T23:59:59+08:00"
    assert body["solution_due_at"] == "2026-10-15T23:59:59+08:00"
    assert body["response_sla"] == "pending"
    assert body["attachment_url"].endswith(f"/portal/residents/complaints/{body['id']}/attachment/")
    assert body["messages"] == []


def test_bad_input_answers_400_with_chinese_field_errors(api_for, member_a):
    response = api_for(member_a.user).post(LIST, {"category": "gossip", "subject": "", "text": ""}, format="json")

    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"category", "subject", "text"}
    assert "不是合法选项" in errors["category"][0]
    assert errors["subject"] == ["该字段不能为空。"]


def test_a_fake_pdf_answers_400_on_the_attachment_field(api_for, member_a):
    response = api_for(member_a.user).post(
        LIST, {"category": "facilities", "subject": "x", "text": "y", "attachment": fake_pdf_upload()}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "attachment"
    assert not Complaint.objects.exists()


def test_a_resident_lists_and_reads_only_its_own(api_for, member_a, member_b, daily_staff):
    mine = file_complaint(member_a, subject="A 的诉求")
    theirs = file_complaint(member_b, subject="B 的诉求")
    services.complaint_note(complaint=mine, text="内部：注意", actor=daily_staff)
    services.complaint_respond(complaint=mine, text="收到", actor=daily_staff)
    client = api_for(member_a.user)

    listing = client.get(LIST).json()
    detail = client.get(url(mine)).json()

    assert [item["id"] for item in listing["results"]] == [mine.pk]
    assert "resident" not in listing["results"][0]
    assert [m["kind"] for m in detail["messages"]] == [MessageKind.RESPONSE]  # no internal note
    assert "内部" not in str(detail)
    assert client.get(url(theirs)).status_code == 404


@pytest.mark.parametrize("action", ["confirm", "reopen", "message"])
def test_resident_b_gets_404_on_a_s_complaint_actions(api_for, complaint_a, member_b, daily_staff, action):
    _solved(complaint_a, daily_staff)
    response = api_for(member_b.user).post(url(complaint_a, action), {"text": "x", "reason": "x"}, format="json")
    assert response.status_code == 404


def test_confirm_and_reopen(api_for, member_a, daily_staff):
    first, second = file_complaint(member_a, subject="一"), file_complaint(member_a, subject="二")
    _solved(first, daily_staff)
    _solved(second, daily_staff)
    client = api_for(member_a.user)

    confirmed = client.post(url(first, "confirm"), {"comment": "好"}, format="json")
    with at(sh(2026, 10, 12, 10, 0)):
        reopened = client.post(url(second, "reopen"), {"reason": "没解决"}, format="json")

    assert confirmed.status_code == 200 and confirmed.json()["status"] == "closed"
    assert reopened.status_code == 200
    assert reopened.json()["reopened_count"] == 1
    assert reopened.json()["solution_due_at"] == "2026-10-21T23:59:59+08:00"


def test_confirming_an_unsolved_complaint_answers_409_in_chinese(api_for, complaint_a):
    response = api_for(complaint_a.resident.user).post(url(complaint_a, "confirm"), {}, format="json")
    assert response.status_code == 409
    assert response.json()["detail"] == "只有已给出解决方案的诉求才能确认。"


def test_reopen_without_a_reason_answers_400(api_for, complaint_a, daily_staff):
    _solved(complaint_a, daily_staff)
    response = api_for(complaint_a.resident.user).post(url(complaint_a, "reopen"), {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"reason": [gettext("This field is required.")]}  # the project's wording


@pytest.mark.parametrize("action", ["respond", "solve", "note"])
def test_a_resident_trying_to_handle_is_refused(api_for, complaint_a, action):
    response = api_for(complaint_a.resident.user).post(url(complaint_a, action), {"text": "自己回复"}, format="json")
    assert response.status_code == 403
    complaint_a.refresh_from_db()
    assert complaint_a.status == ComplaintStatus.OPEN and not complaint_a.messages.exists()


def test_a_resident_message(api_for, complaint_a):
    response = api_for(complaint_a.resident.user).post(url(complaint_a, "message"), {"text": "补充"}, format="json")
    assert response.status_code == 201
    assert response.json()["kind"] == "message" and response.json()["from_resident"] is True


# --- Staff --------------------------------------------------------------------------------------------


def test_staff_respond_solve_and_note(api_for, complaint_a, daily_staff):
    client = api_for(daily_staff)
    with at(sh(2026, 10, 8, 9, 0)):
        responded = client.post(url(complaint_a, "respond"), {"text": "已报修"}, format="json")
    with at(sh(2026, 10, 8, 10, 0)):
        note = client.post(url(complaint_a, "note"), {"text": "内部：供应商下周到"}, format="json")
    with at(sh(2026, 10, 9, 9, 0)):
        solved = client.post(url(complaint_a, "solve"), {"text": "已更换压缩机"}, format="json")

    assert responded.status_code == 200 and responded.json()["status"] == "in_progress"
    assert responded.json()["response_sla"] == "met"
    assert note.status_code == 201 and note.json()["kind"] == "note"
    body = solved.json()
    assert body["status"] == "solved" and body["solution_sla"] == "met"
    assert [m["kind"] for m in body["messages"]] == ["response", "note", "solution"]
    assert body["resident"] == {"id": complaint_a.resident.pk, "name": "张三"}
    assert body["handled_by"] == "钱日常"


def test_staff_see_every_complaint_with_filters(api_for, member_a, member_b, administrator, daily_staff):
    late = file_complaint(member_a, subject="逾期未响应")
    answered = file_complaint(member_b, subject="已响应", category="fees")
    services.complaint_respond(complaint=answered, text="收到", actor=daily_staff)
    client = api_for(administrator)

    def ids(**params):
        with at(sh(2026, 10, 12, 9, 0)):
            response = client.get(LIST, params)
        assert response.status_code == 200
        return {item["id"] for item in response.json()["results"]}

    assert ids() == {late.pk, answered.pk}
    assert ids(response_overdue="true") == {late.pk}
    assert ids(response_overdue="false") == {answered.pk}
    assert ids(category="fees") == {answered.pk}
    assert ids(status="in_progress") == {answered.pk}
    assert ids(resident=member_a.pk) == {late.pk}
    assert ids(channel="phone") == set()
    assert client.get(LIST, {"status": "nonsense"}).status_code == 400


def test_the_staff_list_is_sorted_by_the_next_deadline(api_for, member_a, daily_staff):
    later = file_complaint(member_a, at=sh(2026, 10, 12, 9, 0), subject="晚")
    earlier = file_complaint(member_a, at=FILED, subject="早")
    solved = file_complaint(member_a, at=sh(2026, 9, 29, 9, 0), subject="已解决")
    services.complaint_solve(complaint=solved, text="好了", actor=daily_staff)

    results = api_for(daily_staff).get(LIST).json()["results"]

    assert [item["id"] for item in results] == [earlier.pk, later.pk, solved.pk]


def test_oversight_reads_but_does_not_act(api_for, complaint_a, oversight):
    client = api_for(oversight)
    assert client.get(LIST).status_code == 200
    assert client.get(url(complaint_a)).status_code == 200
    for action in ("respond", "solve", "note", "message"):
        assert client.post(url(complaint_a, action), {"text": "x"}, format="json").status_code == 403
    assert client.post(LIST, {"category": "other", "subject": "x", "text": "y"}, format="json").status_code == 403


@pytest.mark.parametrize("who", ["resources_staff", "intake_staff", "outsider"])
def test_other_people_are_refused(api_for, request, complaint_a, who):
    client = api_for(request.getfixturevalue(who))
    assert client.get(LIST).status_code == 403
    assert client.get(url(complaint_a)).status_code == 403


def test_anonymous_is_refused(complaint_a):
    assert APIClient().get(LIST).status_code in (401, 403)


def test_staff_do_not_confirm_for_the_resident(api_for, complaint_a, daily_staff):
    _solved(complaint_a, daily_staff)
    response = api_for(daily_staff).post(url(complaint_a, "confirm"), {}, format="json")
    assert response.status_code == 403


def test_a_step_the_status_does_not_allow_answers_409(api_for, complaint_a, daily_staff):
    client = api_for(daily_staff)
    client.post(url(complaint_a, "respond"), {"text": "收到"}, format="json")
    again = client.post(url(complaint_a, "respond"), {"text": "再次"}, format="json")
    assert again.status_code == 409
    assert "待响应" in again.json()["detail"] or "已响应" in again.json()["detail"]


# --- Query counts and the schema -------------------------------------------------------------------------


# Resident: resident of the user, then the complaints; staff: the role names are cached on the
# (force-authenticated) user object after the warm-up request.
LIST_QUERIES = {"resident": 3, "staff": 2}  # (resident,) count, page
DETAIL_QUERIES = {"resident": 3, "staff": 2}  # (resident,) complaint (+ resident, filed by, handled by), thread


@pytest.mark.parametrize("who", ["resident", "staff"])
def test_lists_have_a_fixed_number_of_queries(api_for, member_a, daily_staff, who, django_assert_num_queries):
    client = api_for(member_a.user if who == "resident" else daily_staff)
    file_complaint(member_a)
    client.get(LIST)  # warm-up
    with django_assert_num_queries(LIST_QUERIES[who]):
        client.get(LIST)
    for n in range(5):
        complaint = file_complaint(member_a, subject=f"诉求 {n}")
        services.complaint_respond(complaint=complaint, text="收到", actor=daily_staff)
    with django_assert_num_queries(LIST_QUERIES[who]):
        assert client.get(LIST).json()["count"] == 6


@pytest.mark.parametrize("who", ["resident", "staff"])
def test_details_have_a_fixed_number_of_queries(api_for, complaint_a, daily_staff, who, django_assert_num_queries):
    client = api_for(complaint_a.resident.user if who == "resident" else daily_staff)
    services.complaint_respond(complaint=complaint_a, text="收到", actor=daily_staff)
    client.get(url(complaint_a))  # warm-up
    with django_assert_num_queries(DETAIL_QUERIES[who]):
        client.get(url(complaint_a))
    for n in range(5):
        services.complaint_note(complaint=complaint_a, text=f"备注 {n}", actor=daily_staff)
        services.complaint_message(complaint=complaint_a, text=f"留言 {n}", actor=complaint_a.resident.user)
    with django_assert_num_queries(DETAIL_QUERIES[who]):
        assert len(client.get(url(complaint_a)).json()["messages"]) == (11 if who == "staff" else 6)


def test_the_endpoints_are_in_the_openapi_schema(openapi_schema):
    paths = openapi_schema["paths"]
    assert "/api/v1/complaints/" in paths
    assert {"get", "post"} <= set(paths["/api/v1/complaints/"])
    for action in ("confirm", "reopen", "message", "respond", "solve", "note"):
        assert f"/api/v1/complaints/{{id}}/{action}/" in paths
    create = paths["/api/v1/complaints/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in create
    assert RESPONSE_DUE  # the conformance deadline used above
