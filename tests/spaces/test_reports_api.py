"""GET /api/v1/occupancy/ (spaces/api/reports.py): the report's numbers as JSON, staff only, in the schema.

The figures are those of the hand-made fortnight in test_reports_selectors.py.
"""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from spaces.models import BookingStatus
from tests.residents.factories import ResidentFactory
from tests.spaces.test_reports_selectors import at, book, fortnight, rooms  # noqa: F401 (fixtures)

URL = "/api/v1/occupancy/"
FORTNIGHT = {"from": "2026-11-09", "to": "2026-11-22"}


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_daily_team_reads_the_fortnight(daily_staff, fortnight):  # noqa: F811
    response = api_for(daily_staff).get(URL, FORTNIGHT)

    assert response.status_code == 200
    data = response.json()
    assert (data["start"], data["end"]) == ("2026-11-09", "2026-11-22")
    assert data["room_types"] == ["meeting_room", "roadshow_hall", "negotiation_room"]
    assert len(data["weeks"]) == 6
    meeting = data["weeks"][0]
    assert meeting == {
        "week": "2026-W46", "starts_on": "2026-11-09", "ends_on": "2026-11-15", "room_type": "meeting_room",
        "days": 7, "rooms": 2, "available_hours": 196.0, "used_hours": 5.0, "utilisation_percent": 2.6,
        "lost_hours": 0.5, "reserved_hours": 0.0, "bookings": 6, "checked_in": 4, "no_shows": 1,
        "no_show_rate_percent": 20.0, "cancellations": 1, "confirmed": 0,
    }
    negotiation = data["weeks"][2]
    assert negotiation["rooms"] == 0 and negotiation["utilisation_percent"] is None  # a type with no rooms
    empty_week = data["weeks"][3]
    assert empty_week["week"] == "2026-W47" and empty_week["no_show_rate_percent"] is None
    assert [line["room_type"] for line in data["by_room_type"]] == data["room_types"]
    total = data["total"]
    assert total["week"] is None and total["room_type"] is None
    assert (total["available_hours"], total["used_hours"], total["no_show_rate_percent"]) == (588.0, 8.0, 28.6)


def test_one_room_type(daily_staff, fortnight):  # noqa: F811
    data = api_for(daily_staff).get(URL, {**FORTNIGHT, "room_type": "roadshow_hall"}).json()
    assert data["room_types"] == ["roadshow_hall"]
    assert [line["utilisation_percent"] for line in data["weeks"]] == [3.1, 0.0]


@pytest.mark.parametrize("who", ["administrator", "oversight"])
def test_the_administrator_and_oversight_read_it_too(request, who, db):
    assert api_for(request.getfixturevalue(who)).get(URL).status_code == 200


@pytest.mark.parametrize("who", ["resources_staff", "intake_staff", "resident_a", "outsider"])
def test_everyone_else_is_refused(request, who):
    assert api_for(request.getfixturevalue(who)).get(URL).status_code == 403


def test_anonymous_is_refused(db):
    assert APIClient().get(URL).status_code in (401, 403)


def test_it_is_read_only(oversight, daily_staff):
    assert api_for(oversight).post(URL, {}).status_code == 405
    assert api_for(daily_staff).delete(URL).status_code == 405


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-11-22", "to": "2026-11-09"}, "to"),
        ({"from": "2025-01-01", "to": "2026-11-22"}, "from"),
        ({"from": "yesterday"}, "from"),
        ({"room_type": "café"}, "room_type"),
        ({"to": "9999-12-31"}, "to"),  # regression: the week's end overflowed the calendar (500)
    ],
)
def test_a_bad_period_is_a_400_naming_the_field(daily_staff, params, field):
    response = api_for(daily_staff).get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == field and body["detail"]


def test_the_default_period_is_eight_iso_weeks(daily_staff, db):
    data = api_for(daily_staff).get(URL).json()
    assert len(data["weeks"]) == 8 * 3


@pytest.mark.parametrize("count", [1, 30])
def test_a_fixed_number_of_queries(daily_staff, rooms, django_assert_num_queries, count):  # noqa: F811
    resident = ResidentFactory()
    for n in range(count):
        book((rooms["m1"], rooms["m2"], rooms["hall"])[n % 3], resident, at(9 + n % 12, 8) + timedelta(hours=n // 12),
             30, BookingStatus.RELEASED if n % 5 == 4 else BookingStatus.CHECKED_IN)
    client = APIClient()
    client.force_login(daily_staff)
    # 1 session, 2 user, 3–4 the user's and its groups' permissions, 5 rulebook versions, 6 rooms,
    # 7 bookings grouped by room, ISO week and status
    with django_assert_num_queries(7):
        response = client.get(URL, FORTNIGHT)
    assert response.json()["total"]["bookings"] == count


def test_the_endpoint_is_in_the_openapi_schema(openapi_schema):
    schema = openapi_schema
    operation = schema["paths"]["/api/v1/occupancy/"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} >= {"from", "to", "room_type"}
    response = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert response["$ref"].endswith("/OccupancyReport")
    line = schema["components"]["schemas"]["OccupancyLine"]["properties"]
    assert {"utilisation_percent", "no_show_rate_percent", "lost_hours", "available_hours"} <= set(line)
