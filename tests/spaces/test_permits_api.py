"""/api/v1/permits/: a resident applies (multipart, material by content), lists its own (another's: 404),
withdraws and reserves a room for an approved event; staff decide (approve twice → 409)."""

import pytest
import time_machine
from rest_framework.test import APIClient

from spaces.models import Booking, Permit
from tests.spaces.support.desks import fake_pdf_upload, member, pdf_upload, use_private_storage
from tests.spaces.support.permits import NOW, at, permit, room

pytestmark = pytest.mark.django_db

URL = "/api/v1/permits/"


@pytest.fixture(autouse=True)
def _clock(settings, tmp_path):
    use_private_storage(settings, tmp_path)
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def api_for():
    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def applicant(resident_a):
    return member(resident_a, name="张三")


@pytest.fixture
def other(resident_b):
    return member(resident_b, name="欧阳娜娜")


FORM = {"kind": "posters", "title": "招聘海报", "place": "公告栏", "starts_at": "2026-11-17T09:00:00+08:00",
        "ends_at": "2026-11-24T18:00:00+08:00", "description": "招聘"}


def test_anonymous_and_other_teams_are_refused(client, api_for, resources_staff):
    assert client.get(URL).status_code in (401, 403)
    assert api_for(resources_staff).get(URL).status_code == 403


def test_a_resident_applies_with_material_and_sees_only_its_own(api_for, applicant, other):
    theirs = permit(other)
    client = api_for(applicant.user)

    created = client.post(URL, {**FORM, "material": pdf_upload()}, format="multipart")

    assert created.status_code == 201, created.json()
    assert created.json()["material_url"].endswith(f"/portal/spaces/permits/{created.json()['id']}/material/")
    assert [row["id"] for row in client.get(URL).json()["results"]] == [created.json()["id"]]
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert client.post(f"{URL}{theirs.pk}/withdraw/").status_code == 404


def test_a_fake_file_is_a_400_naming_the_field(api_for, applicant):
    response = api_for(applicant.user).post(URL, {**FORM, "material": fake_pdf_upload()}, format="multipart")
    assert response.status_code == 400 and response.json()["field"] == "material"
    assert not Permit.objects.exists()


def test_staff_approve_once_and_the_resident_reserves_a_room(api_for, applicant, daily_staff):
    held = permit(applicant)
    staff = api_for(daily_staff)
    assert api_for(applicant.user).post(f"{URL}{held.pk}/approve/").status_code == 403

    approved = staff.post(f"{URL}{held.pk}/approve/", {"text": "好"}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["resident"]["name"] == "张三"
    assert staff.post(f"{URL}{held.pk}/approve/").status_code == 409

    hall = room()
    client = api_for(applicant.user)
    outside = client.post(f"{URL}{held.pk}/reserve/", {"room": hall.pk, "starts_at": at(17, 11).isoformat(),
                                                       "ends_at": at(17, 13).isoformat(), "attendees": 10},
                          format="json")
    assert outside.status_code == 400 and outside.json()["field"] == "starts_at"
    booked = client.post(f"{URL}{held.pk}/reserve/", {"room": hall.pk, "starts_at": at(17, 9).isoformat(),
                                                      "ends_at": at(17, 11).isoformat(), "attendees": 10},
                         format="json")
    assert booked.status_code == 201, booked.json()
    assert Booking.objects.get().permit_id == held.pk
    assert [b["room"] for b in client.get(f"{URL}{held.pk}/").json()["bookings"]] == ["H101 路演厅"]


def test_staff_refuse_with_a_reason_and_oversight_only_reads(api_for, applicant, daily_staff, oversight):
    held = permit(applicant)
    assert api_for(oversight).get(URL).status_code == 200
    assert api_for(oversight).post(f"{URL}{held.pk}/refuse/", {"text": "x"}).status_code == 403
    assert api_for(daily_staff).post(f"{URL}{held.pk}/refuse/", {"text": ""}, format="json").status_code == 400
    response = api_for(daily_staff).post(f"{URL}{held.pk}/refuse/", {"text": "冲突"}, format="json")
    assert response.json()["decision_reason"] == "冲突"
    assert [r["id"] for r in api_for(daily_staff).get(URL, {"status": "refused"}).json()["results"]] == [held.pk]
