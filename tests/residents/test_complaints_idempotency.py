"""A complaint sent twice is filed once (第四章第四条 诉求反馈): the API with an optional
``Idempotency-Key``, the portal with the page's one-time token, and — whatever the way in — the
database refusing a second identical open complaint of the same resident.
Races with parallel connections: tests/residents/test_idempotency_concurrency.py."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from opc_community.core.errors import ConflictError
from residents.models import Complaint, ComplaintStatus
from residents.services import complaints as services
from tests.forms import form_token
from tests.residents.support.complaints import FILED, at, file_complaint, pdf_upload, sh

pytestmark = pytest.mark.django_db

LIST = reverse("complaint-list")
NEW = reverse("residents:complaint_new")
KEY = "c0ffee00-1111-4222-8333-444455556666"
BODY = {"category": "facilities", "subject": "空调不制冷", "text": "301 会议室从周一起不制冷。"}
ALREADY_FILED = "相同的诉求（空调不制冷，2026年9月30日 提交）仍在处理中，请在该诉求中留言补充，无需重复提交。"


def api(user, **headers) -> APIClient:
    client = APIClient(headers=headers)
    client.force_authenticate(user)
    return client


def _closed(complaint, staff) -> Complaint:
    with at(sh(2026, 10, 8, 9, 0)):
        services.complaint_solve(complaint=complaint, text="已更换滤网。", actor=staff)
        return services.complaint_confirm(complaint=complaint, actor=complaint.resident.user)


# --- The API -------------------------------------------------------------------------------------------


def test_a_complaint_sent_twice_with_its_key_is_filed_once_and_answered_alike(member_a):
    client = api(member_a.user, **{"Idempotency-Key": KEY})

    with at(FILED):
        first = client.post(LIST, {**BODY, "attachment": pdf_upload()}, format="multipart")
        again = client.post(LIST, {**BODY, "attachment": pdf_upload()}, format="multipart")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content and again.headers["Idempotent-Replayed"] == "true"
    assert Complaint.objects.get().pk == first.json()["id"]


def test_the_key_with_another_complaint_is_refused(member_a):
    client = api(member_a.user, **{"Idempotency-Key": KEY})
    with at(FILED):
        client.post(LIST, BODY, format="json")
        refused = client.post(LIST, {**BODY, "attachment": pdf_upload()}, format="multipart")

    assert refused.status_code == 409 and refused.json()["code"] == "idempotency_key_reused"
    assert Complaint.objects.count() == 1


def test_without_a_key_the_same_open_complaint_is_refused_naming_the_first(member_a):
    client = api(member_a.user)
    with at(FILED):
        first = client.post(LIST, BODY, format="json")
        again = client.post(LIST, BODY, format="json")

    assert (first.status_code, again.status_code) == (201, 409)
    assert again.json() == {"detail": ALREADY_FILED, "code": "already_filed", "complaint": first.json()["id"]}
    assert Complaint.objects.count() == 1


# --- The rule behind the database guard --------------------------------------------------------------


def test_a_closed_complaint_can_be_filed_again(member_a, daily_staff):
    _closed(file_complaint(member_a, subject="空调不制冷", text=BODY["text"]), daily_staff)

    again = file_complaint(member_a, at=sh(2026, 10, 9, 9, 0), subject="空调不制冷", text=BODY["text"])

    assert again.status == ComplaintStatus.OPEN
    assert Complaint.objects.count() == 2


@pytest.mark.parametrize("change", [{"subject": "空调仍不制冷"}, {"text": "302 也不制冷。"}, {"category": "fees"}])
def test_a_complaint_that_differs_in_anything_is_a_new_one(member_a, change):
    file_complaint(member_a, subject="空调不制冷", text=BODY["text"])
    file_complaint(member_a, **{"subject": "空调不制冷", "text": BODY["text"], **change})

    assert Complaint.objects.count() == 2


def test_another_resident_may_file_the_same_words(member_a, member_b):
    file_complaint(member_a, subject="空调不制冷", text=BODY["text"])
    file_complaint(member_b, subject="空调不制冷", text=BODY["text"])

    assert Complaint.objects.count() == 2


def test_staff_recording_the_same_open_complaint_are_told_it_is_there(member_a, daily_staff):
    file_complaint(member_a, subject="空调不制冷", text=BODY["text"])

    with at(FILED), pytest.raises(ConflictError) as refused:
        services.complaint_record(resident=member_a, channel="phone", actor=daily_staff, **BODY)

    assert str(refused.value.message) == ALREADY_FILED
    assert Complaint.objects.count() == 1


# --- The portal ----------------------------------------------------------------------------------------


def test_the_portal_page_sent_twice_files_once_and_says_already_recorded(client_for, member_a):
    client = client_for(member_a.user)
    with at(FILED):
        body = {**BODY, "form_token": form_token(client, NEW)}
        first = client.post(NEW, body, follow=True)
        again = client.post(NEW, body, follow=True)

    complaint = Complaint.objects.get()
    detail = reverse("residents:complaint_detail", args=[complaint.pk])
    assert first.redirect_chain == again.redirect_chain == [(detail, 302)]
    assert [str(m) for m in again.context["messages"]] == ["已记录：此表单此前已提交，未重复记录。"]


def test_the_same_complaint_from_a_new_page_is_refused_on_the_page(client_for, member_a):
    client = client_for(member_a.user)
    with at(FILED):
        client.post(NEW, {**BODY, "form_token": form_token(client, NEW)})
        refused = client.post(NEW, {**BODY, "form_token": form_token(client, NEW)})

    assert refused.status_code == 200 and ALREADY_FILED in refused.content.decode()
    assert Complaint.objects.count() == 1


def test_the_portal_form_without_its_token_files_nothing(client_for, member_a):
    refused = client_for(member_a.user).post(NEW, BODY)

    assert "表单已过期，请核对所填内容后重新提交。" in refused.content.decode()
    assert not Complaint.objects.exists()
