"""/api/v1/desks/ and /api/v1/desk-requests/: staff see every desk with its occupant and every request and
decide; a resident sees only its own desk and requests (another's: 404), asks and withdraws."""

import pytest
from rest_framework.test import APIClient

from spaces.models import DeskAssignment, DeskChangeRequest
from spaces.services import desks as services
from tests.spaces.factories import DeskFactory
from tests.spaces.support.desks import member, seat

pytestmark = pytest.mark.django_db

DESKS, REQUESTS = "/api/v1/desks/", "/api/v1/desk-requests/"


@pytest.fixture
def api_for():
    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def seated(resident_a, daily_staff):
    resident = member(resident_a, name="张三")
    seat(resident, "A-1", daily_staff)
    return resident


@pytest.fixture
def other(resident_b, daily_staff):
    resident = member(resident_b, name="欧阳娜娜")
    seat(resident, "A-2", daily_staff)
    return resident


def test_anonymous_and_other_teams_are_refused(client, api_for, resources_staff, intake_staff):
    for url in (DESKS, REQUESTS):
        assert client.get(url).status_code in (401, 403)
        assert api_for(resources_staff).get(url).status_code == 403
        assert api_for(intake_staff).get(url).status_code == 403


def test_staff_list_desks_with_their_occupant(api_for, seated, other, daily_staff, oversight):
    DeskFactory(code="F-1")
    for staff in (daily_staff, oversight):
        rows = {row["code"]: row["occupant"] for row in api_for(staff).get(DESKS).json()["results"]}
        assert rows == {"A-1": {"id": seated.pk, "name": "张三"}, "A-2": {"id": other.pk, "name": "欧阳娜娜"},
                        "F-1": None}
    free = api_for(daily_staff).get(DESKS, {"occupied": "false"}).json()["results"]
    assert [row["code"] for row in free] == ["F-1"]


def test_a_resident_sees_only_its_own_desk(api_for, seated, other):
    client = api_for(seated.user)
    rows = client.get(DESKS).json()["results"]
    assert [row["code"] for row in rows] == ["A-1"] and "occupant" not in rows[0]
    assert client.get(f"{DESKS}{other.desk_assignments.get().desk_id}/").status_code == 404
    assert [row["code"] for row in client.get(f"{DESKS}free/").json()] == []
    DeskFactory(code="F-1")
    assert [row["code"] for row in client.get(f"{DESKS}free/").json()] == ["F-1"]


def test_a_resident_filters_its_desk_by_occupied(api_for, seated, other):
    """Regression: the filter read the staff list's occupant annotation, which the resident's list lacks (500)."""
    client = api_for(seated.user)
    assert [row["code"] for row in client.get(DESKS, {"occupied": "true"}).json()["results"]] == ["A-1"]
    assert client.get(DESKS, {"occupied": "false"}).json()["results"] == []


def test_the_resident_asks_withdraws_and_cannot_reach_anothers_request(api_for, seated, other):
    free = DeskFactory(code="F-1")
    theirs = services.desk_request_create(resident=other, reason="x", actor=other.user)
    client = api_for(seated.user)

    created = client.post(REQUESTS, {"reason": "想靠窗", "preferred_desk": free.pk}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["preferred_desk"]["code"] == "F-1"
    assert client.post(REQUESTS, {"reason": "again"}, format="json").status_code == 409
    assert [row["id"] for row in client.get(REQUESTS).json()["results"]] == [created.json()["id"]]
    assert client.get(f"{REQUESTS}{theirs.pk}/").status_code == 404
    assert client.post(f"{REQUESTS}{theirs.pk}/withdraw/").status_code == 404
    assert client.post(f"{REQUESTS}{created.json()['id']}/approve/", {"desk": free.pk}).status_code == 403

    assert client.post(f"{REQUESTS}{created.json()['id']}/withdraw/").json()["status"] == "withdrawn"


def test_staff_approve_and_a_taken_desk_is_409(api_for, seated, other, daily_staff, oversight):
    change = services.desk_request_create(resident=seated, reason="换位", actor=seated.user)
    taken = other.desk_assignments.get().desk
    client = api_for(daily_staff)

    conflict = client.post(f"{REQUESTS}{change.pk}/approve/", {"desk": taken.pk}, format="json")
    assert conflict.status_code == 409 and "A-2" in conflict.json()["detail"]
    refused = api_for(oversight).post(f"{REQUESTS}{change.pk}/approve/", {"desk": DeskFactory(code="F-1").pk})
    assert refused.status_code == 403

    approved = client.post(f"{REQUESTS}{change.pk}/approve/", {"desk": DeskFactory(code="F-2").pk, "note": "好"},
                           format="json")

    assert approved.status_code == 200
    assert approved.json()["assigned_desk"]["code"] == "F-2" and approved.json()["resident"]["name"] == "张三"
    assert DeskAssignment.objects.get(resident=seated, ends_at__isnull=True).desk.code == "F-2"
    assert client.post(f"{REQUESTS}{change.pk}/refuse/", {"reason": "x"}).status_code == 409


def test_staff_refuse_with_a_reason(api_for, seated, daily_staff):
    change = services.desk_request_create(resident=seated, reason="换位", actor=seated.user)
    client = api_for(daily_staff)
    assert client.post(f"{REQUESTS}{change.pk}/refuse/", {}, format="json").status_code == 400
    response = client.post(f"{REQUESTS}{change.pk}/refuse/", {"reason": "暂无"}, format="json")
    assert response.json()["status"] == "refused"
    assert DeskChangeRequest.objects.get().decision_reason == "暂无"
    assert [r["id"] for r in client.get(REQUESTS, {"status": "refused"}).json()["results"]] == [change.pk]
