"""The booking API (/api/v1/rooms/, /api/v1/bookings/; 第四章第一条): 409 with the taken slot, 400 with
field errors, a resident sees and changes only its own bookings (404 otherwise), busy slots never
say who booked them; staff list everything with filters and act with the change permission."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from spaces.models import Booking, BookingStatus
from tests.spaces.support.bookings import (
    TOMORROW,
    at,
    book,
    clock_fixture,  # noqa: F401
    meeting_room_fixture,  # noqa: F401
    member_a_fixture,  # noqa: F401
    member_b_fixture,  # noqa: F401
    negotiation_room_fixture,  # noqa: F401
    roadshow_hall_fixture,  # noqa: F401
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

ROOMS, BOOKINGS = "/api/v1/rooms/", "/api/v1/bookings/"


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def api_a(member_a):
    return api(member_a.user)


@pytest.fixture
def api_b(member_b):
    return api(member_b.user)


@pytest.fixture
def b_booking(member_b, meeting_room):
    return book(member_b, meeting_room, at(TOMORROW, "14:00"), at(TOMORROW, "15:00"), purpose="投资人洽谈")


def payload(room, start="10:00", end="11:00", **extra):
    return {"room": room.pk, "starts_at": at(TOMORROW, start).isoformat(), "ends_at": at(TOMORROW, end).isoformat(),
            "purpose": "团队周会", "attendees": 3, **extra}


# --- Access ------------------------------------------------------------------------------------------------


def test_anonymous_and_outsiders_are_refused(meeting_room, outsider, resources_staff):
    for client in (api(), api(outsider), api(resources_staff)):
        for address in (ROOMS, f"{ROOMS}{meeting_room.pk}/availability/", BOOKINGS):
            assert client.get(address).status_code in (401, 403), address
        assert client.post(BOOKINGS, payload(meeting_room), format="json").status_code in (401, 403)
    assert Booking.objects.count() == 0


# --- Rooms and availability -------------------------------------------------------------------------------


def test_rooms_with_capacity_and_equipment(api_a, meeting_room, roadshow_hall):
    rooms = api_a.get(ROOMS).json()["results"]
    assert [(r["code"], r["room_type"], r["capacity"]) for r in rooms] == [
        ("A301", "meeting_room", 8), ("H101", "roadshow_hall", 80)]
    assert [r["code"] for r in api_a.get(ROOMS, {"room_type": "roadshow_hall"}).json()["results"]] == ["H101"]


def test_availability_says_busy_or_free_never_who(api_a, member_a, meeting_room, b_booking,
                                                  django_assert_num_queries):
    book(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))

    # the resident (permission), the room, the rulebook versions, the bookings (times and booker ids)
    with django_assert_num_queries(4):
        response = api_a.get(f"{ROOMS}{meeting_room.pk}/availability/", {"date": TOMORROW.isoformat()})

    assert response.status_code == 200
    day = response.json()["days"][0]
    assert (day["date"], day["opens"], day["closes"], day["slot_minutes"]) == ("2026-11-17", "08:00", "22:00", 30)
    states = {slot["starts_at"][11:16]: slot["state"] for slot in day["slots"]}
    assert (states["09:00"], states["14:00"], states["10:00"]) == ("mine", "busy", "free")
    assert set(day["slots"][0]) == {"starts_at", "ends_at", "state"}  # nothing about the booker
    assert "欧阳娜娜" not in response.content.decode() and "投资人洽谈" not in response.content.decode()


def test_a_week_of_availability_and_bad_parameters(api_a, meeting_room):
    week = api_a.get(f"{ROOMS}{meeting_room.pk}/availability/", {"date": TOMORROW.isoformat(), "days": 7}).json()
    assert len(week["days"]) == 7
    assert api_a.get(f"{ROOMS}{meeting_room.pk}/availability/", {"date": "17/11/2026"}).status_code == 400
    assert api_a.get(f"{ROOMS}{meeting_room.pk}/availability/", {"days": 8}).status_code == 400
    # Regression: the last days of the calendar overflowed the week's arithmetic (500).
    far = api_a.get(f"{ROOMS}{meeting_room.pk}/availability/", {"date": "9999-12-31"})
    assert far.status_code == 400 and far.json() == {"date": ["请给出 1900-01-01 至 2999-12-31 之间的日期。"]}


# --- Create ------------------------------------------------------------------------------------------------


def test_a_resident_books(api_a, member_a, meeting_room):
    response = api_a.post(BOOKINGS, payload(meeting_room), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["room"], body["status"], body["starts_at"], body["ends_at"]) == (
        meeting_room.pk, "confirmed", "2026-11-17T10:00:00+08:00", "2026-11-17T11:00:00+08:00")
    assert body["ics_url"].endswith(f"/portal/spaces/bookings/{body['id']}/booking.ics")
    assert Booking.objects.get().resident == member_a


def test_a_taken_slot_is_409_naming_the_slot_not_the_booker(api_a, meeting_room, b_booking):
    response = api_a.post(BOOKINGS, payload(meeting_room, "13:30", "14:30"), format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict"
    assert body["conflict"] == {"starts_at": "2026-11-17T14:00:00+08:00", "ends_at": "2026-11-17T15:00:00+08:00",
                                "own_booking": False}
    assert body["suggestion"] == {"starts_at": "2026-11-17T15:00:00+08:00", "ends_at": "2026-11-17T16:00:00+08:00"}
    assert "欧阳娜娜" not in response.content.decode()
    assert Booking.objects.count() == 1


def test_a_clash_with_ones_own_booking_is_409_saying_so(api_b, meeting_room, b_booking):
    response = api_b.post(BOOKINGS, payload(meeting_room, "14:30", "15:30"), format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "own_booking" and body["conflict"]["own_booking"] is True
    assert body["detail"].startswith("您本人已预约A301 会议室（2026年11月17日 14:00–15:00）")


def test_adjacent_slots_both_succeed(api_a, api_b, meeting_room):
    assert api_a.post(BOOKINGS, payload(meeting_room, "09:00", "10:00"), format="json").status_code == 201
    assert api_b.post(BOOKINGS, payload(meeting_room, "10:00", "11:00"), format="json").status_code == 201


@pytest.mark.parametrize(
    ("case", "overrides", "field"),
    [
        ("end before start", {"starts_at": at(TOMORROW, "11:00").isoformat(), "ends_at": at(TOMORROW, "10:00").isoformat()}, "ends_at"),
        ("outside opening hours", {"starts_at": at(TOMORROW, "06:00").isoformat(), "ends_at": at(TOMORROW, "07:00").isoformat()}, "starts_at"),
        ("too long", {"starts_at": at(TOMORROW, "09:00").isoformat(), "ends_at": at(TOMORROW, "18:00").isoformat()}, "ends_at"),
        ("too far ahead", {"starts_at": at(TOMORROW + timedelta(days=40), "09:00").isoformat(),
                           "ends_at": at(TOMORROW + timedelta(days=40), "10:00").isoformat()}, "starts_at"),
        ("past", {"starts_at": at(TOMORROW - timedelta(days=3), "09:00").isoformat(),
                  "ends_at": at(TOMORROW - timedelta(days=3), "10:00").isoformat()}, "starts_at"),
        ("unaligned", {"starts_at": at(TOMORROW, "09:05").isoformat(), "ends_at": at(TOMORROW, "10:05").isoformat()}, "starts_at"),
        ("too many people", {"attendees": 50}, "attendees"),
        ("no purpose", {"purpose": ""}, "purpose"),
        ("no such room", {"room": 999999}, "room"),
        ("not a time", {"starts_at": "tomorrow morning"}, "starts_at"),
    ],
    ids=lambda value: value if isinstance(value, str) and " " in value else None,
)
def test_bad_input_is_400_with_the_field_and_nothing_is_written(api_a, meeting_room, case, overrides, field):
    response = api_a.post(BOOKINGS, {**payload(meeting_room), **overrides}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert field in body or body.get("field") == field, body
    assert Booking.objects.count() == 0


def test_a_rule_refusal_names_the_rule_in_chinese(api_a, meeting_room):
    body = api_a.post(BOOKINGS, payload(meeting_room, "09:00", "18:00"), format="json").json()
    assert body["field"] == "ends_at" and body["code"] == "too_long"
    assert body["errors"]["ends_at"] == ["会议室单次预约最长 240 分钟（第四章第一条）。"]


def test_staff_do_not_book_for_themselves(client_for, daily_staff, meeting_room):
    assert api(daily_staff).post(BOOKINGS, payload(meeting_room), format="json").status_code == 403


# --- A resident's own bookings ------------------------------------------------------------------------------


def test_a_resident_lists_only_its_own(api_a, member_a, meeting_room, b_booking):
    mine = book(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))
    assert [b["id"] for b in api_a.get(BOOKINGS).json()["results"]] == [mine.pk]
    assert "resident" not in api_a.get(BOOKINGS).json()["results"][0]


def test_another_residents_booking_is_404_and_stays_as_it_was(api_a, b_booking):
    address = f"{BOOKINGS}{b_booking.pk}/"
    assert api_a.get(address).status_code == 404
    assert api_a.patch(address, {"starts_at": at(TOMORROW, "16:00").isoformat(),
                                 "ends_at": at(TOMORROW, "17:00").isoformat()}, format="json").status_code == 404
    assert api_a.post(f"{address}cancel/", {}, format="json").status_code == 404
    assert api_a.post(f"{address}check-in/").status_code == 404
    b_booking.refresh_from_db()
    assert (b_booking.status, b_booking.starts_at) == (BookingStatus.CONFIRMED, at(TOMORROW, "14:00"))


def test_change_cancel_and_check_in(api_a, member_a, meeting_room, clock):
    created = api_a.post(BOOKINGS, payload(meeting_room), format="json").json()
    address = f"{BOOKINGS}{created['id']}/"

    moved = api_a.patch(address, {"starts_at": at(TOMORROW, "15:00").isoformat(),
                                  "ends_at": at(TOMORROW, "16:00").isoformat()}, format="json")
    assert moved.status_code == 200 and moved.json()["starts_at"] == "2026-11-17T15:00:00+08:00"
    assert api_a.put(address, payload(meeting_room), format="json").status_code == 405

    too_early = api_a.post(f"{address}check-in/")
    assert too_early.status_code == 400 and too_early.json()["code"] == "check_in_closed"
    clock.move_to(at(TOMORROW, "14:50"))
    checked_in = api_a.post(f"{address}check-in/")
    assert checked_in.status_code == 200 and checked_in.json()["status"] == "checked_in"

    second = api_a.post(BOOKINGS, payload(meeting_room, "18:00", "19:00"), format="json").json()
    cancelled = api_a.post(f"{BOOKINGS}{second['id']}/cancel/", {"reason": "改期"}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = api_a.post(f"{BOOKINGS}{second['id']}/cancel/", {}, format="json")
    assert again.status_code == 409  # a cancelled booking cannot be cancelled again


def test_changing_onto_a_taken_slot_is_409(api_a, member_a, meeting_room, b_booking):
    mine = book(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))
    response = api_a.patch(f"{BOOKINGS}{mine.pk}/", {"starts_at": at(TOMORROW, "14:30").isoformat(),
                                                     "ends_at": at(TOMORROW, "15:30").isoformat()}, format="json")
    assert response.status_code == 409 and response.json()["conflict"]["starts_at"] == "2026-11-17T14:00:00+08:00"


def test_credits(api_a, member_a, roadshow_hall, administrator):
    from spaces.services.credits import credit_grant

    assert api_a.get(f"{BOOKINGS}credits/").json() == {"balance": 0}
    credit_grant(resident=member_a, count=2, max_hours=3, source_key="r1", actor=administrator)
    response = api_a.post(BOOKINGS, payload(roadshow_hall, use_credit=True), format="json")
    assert response.status_code == 201 and response.json()["uses_credit"] is True
    assert api_a.get(f"{BOOKINGS}credits/").json() == {"balance": 1}


# --- Staff ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("per_room", [1, 4])
def test_staff_list_everything_with_filters_in_fixed_queries(daily_staff, member_a, member_b, meeting_room,
                                                              negotiation_room, per_room, django_assert_num_queries):
    for index in range(per_room):
        start = at(TOMORROW, "09:00") + timedelta(hours=index)
        book(member_a, meeting_room, start, start + timedelta(minutes=30))
        book(member_b, negotiation_room, start, start + timedelta(minutes=30), status=BookingStatus.CANCELLED)
    client = api(daily_staff)

    # groups, user and group permissions, the count, the page with room, resident and booker
    with django_assert_num_queries(5):
        response = client.get(BOOKINGS)
    assert response.json()["count"] == 2 * per_room
    assert response.json()["results"][0]["resident"]["name"] in ("张三", "欧阳娜娜")

    def ids(**query):
        return {b["id"] for b in client.get(BOOKINGS, query).json()["results"]}

    assert ids(room=meeting_room.pk) == set(Booking.objects.filter(room=meeting_room).values_list("pk", flat=True))
    assert ids(room_type="negotiation_room") == ids(status="cancelled") == ids(resident=member_b.pk)
    assert len(ids(date=TOMORROW.isoformat())) == 2 * per_room
    assert ids(date=(TOMORROW + timedelta(days=1)).isoformat()) == set()


def test_staff_cancel_with_a_reason_and_check_in(daily_staff, member_a, meeting_room, clock):
    booking = book(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))
    other = book(member_a, meeting_room, at(TOMORROW, "11:00"), at(TOMORROW, "12:00"))
    client = api(daily_staff)

    assert client.post(f"{BOOKINGS}{booking.pk}/cancel/", {"reason": "设备检修"}, format="json").json()["status"] == "cancelled"
    clock.move_to(at(TOMORROW, "11:20"))  # past the resident's window, within the staff's
    assert client.post(f"{BOOKINGS}{other.pk}/check-in/").json()["status"] == "checked_in"


def test_oversight_reads_but_does_not_act(oversight, member_a, meeting_room):
    booking = book(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))
    client = api(oversight)
    assert client.get(BOOKINGS).json()["count"] == 1
    assert client.post(f"{BOOKINGS}{booking.pk}/cancel/", {}, format="json").status_code == 403
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_the_endpoints_are_in_the_openapi_schema(openapi_schema):
    for route in ("/api/v1/rooms/{id}/availability/", "/api/v1/bookings/{id}/check-in/",
                  "/api/v1/bookings/{id}/cancel/", "/api/v1/bookings/credits/"):
        assert route in openapi_schema["paths"]
