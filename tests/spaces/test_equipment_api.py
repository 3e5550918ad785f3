"""REST API of equipment lending (/api/v1/equipment/, /api/v1/equipment-loans/): a resident sees and acts on its
own loans only, staff see all with filters (status, overdue, resident, due dates), the team hands out and takes
back; fixed query counts; documented in the OpenAPI schema."""

from datetime import timedelta

import pytest
import time_machine
from rest_framework.test import APIClient

from spaces.models import EquipmentLoan, LoanStatus
from tests.spaces.support.equipment import NOW, at, lent, member, projector, reserve

pytestmark = pytest.mark.django_db

ITEMS = "/api/v1/equipment/"
LOANS = "/api/v1/equipment-loans/"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def resident(resident_a):
    return member(resident_a, name="张三")


@pytest.fixture
def other(resident_b):
    return member(resident_b, name="欧阳娜娜")


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_resident_reserves_and_sees_only_its_own_loans(resident, other):
    item = projector()
    theirs = reserve(other, projector("P2"))
    client = api(resident.user)
    created = client.post(LOANS, {"equipment": item.pk, "due_at": at(18, 18).isoformat(), "purpose": "演示"},
                          format="json")
    assert created.status_code == 201 and created.json()["status"] == "requested"
    listed = client.get(LOANS).json()
    assert [row["id"] for row in listed["results"]] == [created.json()["id"]]
    assert "resident" not in listed["results"][0]
    assert client.get(f"{LOANS}{theirs.pk}/").status_code == 404
    assert client.post(f"{LOANS}{theirs.pk}/cancel/").status_code == 404
    assert client.post(f"{LOANS}{created.json()['id']}/hand-out/").status_code == 403


def test_availability_in_the_item_list(resident, other):
    free, taken = projector("P1"), projector("P2")
    reserve(other, taken)
    rows = {row["asset_number"]: row for row in api(resident.user).get(ITEMS).json()["results"]}
    assert (rows["P1"]["available"], rows["P2"]["available"], rows["P2"]["on_loan"]) == (True, False, True)
    only_free = api(resident.user).get(ITEMS, {"available": "true"}).json()["results"]
    assert [row["id"] for row in only_free] == [free.pk]


def test_staff_filter_loans_and_hand_out_and_take_back(resident, other, daily_staff):
    late = lent(resident, projector("P1"), daily_staff, due_at=at(16, 8), now=at(15, 9))
    held = reserve(other, projector("P2"))
    client = api(daily_staff)
    assert {row["id"] for row in client.get(LOANS).json()["results"]} == {late.pk, held.pk}
    assert [row["id"] for row in client.get(LOANS, {"overdue": "true"}).json()["results"]] == [late.pk]
    assert [row["id"] for row in client.get(LOANS, {"status": "requested"}).json()["results"]] == [held.pk]
    assert [row["id"] for row in client.get(LOANS, {"resident": other.pk}).json()["results"]] == [held.pk]
    assert client.get(LOANS).json()["results"][0]["resident"]["name"]

    out = client.post(f"{LOANS}{held.pk}/hand-out/", {"condition_out": "good"}, format="json")
    assert out.status_code == 200 and out.json()["status"] == "out"
    missing = client.post(f"{LOANS}{late.pk}/take-back/", {"condition_in": "damaged"}, format="json")
    assert missing.status_code == 400 and missing.json()["field"] == "damage_value"
    back = client.post(f"{LOANS}{late.pk}/take-back/", {"condition_in": "damaged", "damage_value": "120.00"},
                       format="json")
    assert back.status_code == 200 and back.json()["overdue_days"] == 1 and back.json()["damage_value"] == "120.00"
    again = client.post(f"{LOANS}{late.pk}/take-back/", {"condition_in": "good"}, format="json")
    assert again.status_code == 409


def test_readers_read_but_do_not_hand_out(resident, oversight):
    held = reserve(resident, projector())
    client = api(oversight)
    assert client.get(LOANS).status_code == 200
    assert client.post(f"{LOANS}{held.pk}/hand-out/").status_code == 403
    assert EquipmentLoan.objects.get().status == LoanStatus.REQUESTED


def test_the_list_costs_the_same_for_one_or_six_loans(resident, daily_staff, django_assert_max_num_queries):
    client = api(daily_staff)
    reserve(resident, projector("P0"))
    with django_assert_max_num_queries(20) as one:
        client.get(LOANS)
    for index in range(1, 6):
        EquipmentLoan.objects.create(equipment=projector(f"P{index}"), resident=resident, purpose="x",
                                     requested_at=NOW, due_at=NOW + timedelta(days=1), status="cancelled",
                                     cancelled_at=NOW)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(client.get(LOANS).json()["results"]) == 6
    resident_client = api(resident.user)
    with django_assert_max_num_queries(20) as mine:
        resident_client.get(LOANS)
    with django_assert_max_num_queries(len(mine.captured_queries)):
        resident_client.get(ITEMS)


def test_the_endpoints_are_documented(openapi_schema):
    paths = openapi_schema["paths"]
    assert "/api/v1/equipment-loans/" in paths and "/api/v1/equipment-loans/{id}/take-back/" in paths
    parameters = {p["name"] for p in paths["/api/v1/equipment-loans/"]["get"]["parameters"]}
    assert {"status", "overdue", "resident", "due_before", "due_after"} <= parameters
