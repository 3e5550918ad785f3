"""An activity reserves its room through the booking rules (第四章第一条, 第五章): a community booking."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from resources.services import activities as services
from resources.services import attendance as attendance_services
from spaces.models import Booking, BookingStatus, RoomType
from spaces.services import booking_release
from spaces.services import bookings as booking_services
from tests.resources.support import ENDS, STARTS, at, make_activity, member, sh
from tests.spaces.factories import RoomFactory
from tests.spaces.support.bookings import book

pytestmark = pytest.mark.django_db


@pytest.fixture
def hall(db):
    return RoomFactory(code="H101", room_type=RoomType.ROADSHOW_HALL, name="路演厅", capacity=80, floor="1F")


@pytest.fixture
def activity(resources_staff):
    return make_activity(resources_staff, place="待定")


def test_an_activity_reserves_a_room_for_its_whole_time(activity, hall, resources_staff):
    services.activity_room_reserve(activity=activity, room=hall, actor=resources_staff)

    activity.refresh_from_db()
    booking = activity.booking
    assert (booking.room, booking.resident, booking.starts_at, booking.ends_at) == (hall, None, STARTS, ENDS)
    assert booking.status == BookingStatus.CONFIRMED and booking.booked_by == resources_staff
    assert booking.purpose == activity.title and activity.place == "路演厅"


def test_a_taken_slot_is_a_conflict_and_nothing_is_written(activity, hall, resources_staff):
    tenant = member(name="张三")
    book(tenant, hall, STARTS + timedelta(hours=1), STARTS + timedelta(hours=2))

    with pytest.raises(ConflictError) as refusal:
        services.activity_room_reserve(activity=activity, room=hall, actor=resources_staff)

    assert "路演厅" in str(refusal.value.message) and "已被预约" in str(refusal.value.message)
    activity.refresh_from_db()
    assert activity.booking is None and activity.place == "待定"
    assert Booking.objects.filter(resident__isnull=True).count() == 0


def test_the_booking_rules_apply(resources_staff, hall):
    late = make_activity(resources_staff, starts_at=sh(2026, 10, 14, 20, 0), ends_at=sh(2026, 10, 14, 23, 0))
    small = RoomFactory(code="A301")
    crowded = make_activity(resources_staff, starts_at=sh(2026, 10, 15, 9, 0), capacity=30)

    with pytest.raises(DomainError) as closing:
        services.activity_room_reserve(activity=late, room=hall, actor=resources_staff)
    with pytest.raises(DomainError) as capacity:
        services.activity_room_reserve(activity=crowded, room=small, actor=resources_staff)

    assert "22:00" in str(closing.value.message)
    assert capacity.value.field == "attendees"
    assert not Booking.objects.exists()


def test_a_resident_cannot_reserve_for_an_activity(activity, hall, resident_a):
    member(resident_a, name="张三")
    with pytest.raises(DomainError):
        services.activity_room_reserve(activity=activity, room=hall, actor=resident_a)
    assert not Booking.objects.exists()


def test_one_room_at_a_time_and_release_frees_it(activity, hall, resources_staff):
    services.activity_room_reserve(activity=activity, room=hall, actor=resources_staff)
    with pytest.raises(DomainError) as twice:
        services.activity_room_reserve(activity=activity, room=hall, actor=resources_staff)
    assert twice.value.field == "room"

    services.activity_room_release(activity=activity, actor=resources_staff)

    activity.refresh_from_db()
    assert activity.booking.status == BookingStatus.CANCELLED
    tenant = member(name="张三")
    booking_services.booking_create(resident=tenant, room=hall, starts_at=STARTS, ends_at=ENDS, purpose="路演",
                                    attendees=10, actor=tenant.user)  # the slot is free again


def test_the_time_cannot_move_under_a_reserved_room(activity, hall, resources_staff):
    services.activity_room_reserve(activity=activity, room=hall, actor=resources_staff)
    with pytest.raises(DomainError) as refusal:
        services.activity_update(activity=activity, actor=resources_staff, starts_at=STARTS + timedelta(hours=1),
                                 ends_at=ENDS + timedelta(hours=1))
    assert refusal.value.field == "starts_at"

    services.activity_update(activity=activity, actor=resources_staff, title="大模型应用开发培训（第二期）")  # other data may change


def test_cancelling_the_activity_gives_the_room_back(activity, hall, resources_staff):
    services.activity_room_reserve(activity=activity, room=hall, actor=resources_staff)
    services.activity_cancel(activity=activity, reason="讲师临时有事", actor=resources_staff)

    activity.refresh_from_db()
    assert activity.booking.status == BookingStatus.CANCELLED and activity.booking.cancel_reason == "讲师临时有事"
    with pytest.raises(InvalidTransition):
        services.activity_room_reserve(activity=activity, room=hall, actor=resources_staff)


def test_a_community_booking_is_never_released_as_a_no_show(activity, hall, resources_staff):
    services.activity_room_reserve(activity=activity, room=hall, actor=resources_staff)
    with at(STARTS + timedelta(minutes=30)):
        assert booking_release.bookings_release_no_shows(now=STARTS + timedelta(minutes=30)) == []
    activity.refresh_from_db()
    assert activity.booking.status == BookingStatus.CONFIRMED


def test_a_community_booking_is_not_moved_on_its_own(activity, hall, resources_staff):
    services.activity_room_reserve(activity=activity, room=hall, actor=resources_staff)
    activity.refresh_from_db()
    with pytest.raises(DomainError) as refusal:
        booking_services.booking_change(booking=activity.booking, starts_at=STARTS + timedelta(hours=1),
                                        ends_at=ENDS + timedelta(hours=1), actor=resources_staff)
    assert refusal.value.code == "community_booking"


# --- The admin page -------------------------------------------------------------------------------------------


def test_staff_reserve_and_release_from_the_activity_page(client_for, activity, hall, resources_staff):
    client = client_for(resources_staff)
    url = f"/admin/resources/activity/{activity.pk}/room/"

    page = client.get(f"/admin/resources/activity/{activity.pk}/change/").content.decode()
    assert url in page and "预约场地" in page
    assert client.get(url).status_code == 200
    response = client.post(url, {"room": hall.pk})
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.booking.room == hall

    assert "释放场地" in client.get(f"/admin/resources/activity/{activity.pk}/change/").content.decode()
    assert client.post(url, {}).status_code == 302
    activity.refresh_from_db()
    assert activity.booking.status == BookingStatus.CANCELLED


def test_a_taken_slot_is_shown_on_the_page(client_for, activity, hall, resources_staff):
    book(member(name="张三"), hall, STARTS, ENDS)
    response = client_for(resources_staff).post(f"/admin/resources/activity/{activity.pk}/room/", {"room": hall.pk})
    assert response.status_code == 200 and "已被预约" in response.content.decode()


def test_the_page_is_for_who_may_change_activities(client_for, activity, daily_staff, resident_a):
    url = f"/admin/resources/activity/{activity.pk}/room/"
    assert client_for(daily_staff).get(url).status_code in (302, 403)
    assert client_for(resident_a).get(url).status_code == 302  # to the admin login


def test_the_first_check_in_at_the_door_checks_the_room_in(activity, hall, resources_staff):
    services.activity_room_reserve(activity=activity, room=hall, actor=resources_staff)
    early, late = member(name="张三"), member(name="李四")

    with at(STARTS - timedelta(minutes=25)):  # the door opens before the room's check-in window
        attendance_services.attendance_record(activity=activity, resident=early, method="list", actor=resources_staff)
    activity.refresh_from_db()
    assert activity.booking.status == BookingStatus.CONFIRMED

    with at(STARTS + timedelta(minutes=5)):
        attendance_services.attendance_record(activity=activity, resident=late, method="list", actor=resources_staff)
    activity.refresh_from_db()
    assert activity.booking.status == BookingStatus.CHECKED_IN and activity.booking.checked_in_by == resources_staff


# --- The API ---------------------------------------------------------------------------------------------------


def test_the_api_reserves_refuses_a_taken_slot_and_releases(api_for, activity, hall, resources_staff):
    client, url = api_for(resources_staff), f"/api/v1/activities/{activity.pk}/room/"
    other = make_activity(resources_staff, title="路演日")

    reserved = client.post(url, {"room": hall.pk}, format="json")
    taken = api_for(resources_staff).post(f"/api/v1/activities/{other.pk}/room/", {"room": hall.pk}, format="json")
    missing = client.post(f"/api/v1/activities/{other.pk}/room/", {}, format="json")

    assert reserved.status_code == 200 and reserved.json()["booking"] and reserved.json()["place"] == "路演厅"
    assert taken.status_code == 409 and "conflict" in taken.json()
    assert missing.status_code == 400 and "room" in missing.json()
    released = client.delete(url)
    assert released.status_code == 200
    assert Booking.objects.get(pk=reserved.json()["booking"]).status == BookingStatus.CANCELLED


def test_residents_cannot_reserve_through_the_api(api_for, activity, hall, resident_a):
    member(resident_a, name="张三")
    response = api_for(resident_a).post(f"/api/v1/activities/{activity.pk}/room/", {"room": hall.pk}, format="json")
    assert response.status_code in (403, 404)
    assert not Booking.objects.exists()


def test_staff_read_a_community_booking_like_any_other(client_for, api_for, activity, hall, resources_staff, daily_staff):
    services.activity_room_reserve(activity=activity, room=hall, actor=resources_staff)
    activity.refresh_from_db()

    listing = client_for(daily_staff).get("/admin/spaces/booking/")
    page = client_for(daily_staff).get(f"/admin/spaces/booking/{activity.booking.pk}/change/")
    api = api_for(daily_staff).get("/api/v1/bookings/", {"room": hall.pk})

    assert listing.status_code == 200 and "路演厅" in listing.content.decode()
    assert page.status_code == 200
    assert api.status_code == 200
    assert [row["resident"] for row in api.json()["results"]] == [None]


def test_the_activity_page_reads_the_room_in_a_fixed_number_of_queries(client_for, resources_staff, hall):
    client = client_for(resources_staff)
    plain, reserved = make_activity(resources_staff), make_activity(resources_staff, title="路演日")
    services.activity_room_reserve(activity=reserved, room=hall, actor=resources_staff)
    client.get(f"/admin/resources/activity/{plain.pk}/change/")  # warm the per-process caches

    counts = []
    for activity in (plain, reserved):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/admin/resources/activity/{activity.pk}/change/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
