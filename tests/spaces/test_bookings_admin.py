"""Rooms and bookings in the operations desk: rooms edited by the daily management team, the booking
list with its filters at a fixed cost, cancel (with a reason) and check-in only through actions that
call the services, and the no-show candidates page linking to each resident."""

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opc_community.portal.models import Notification
from spaces.models import Booking, BookingStatus, Room
from tests.spaces.support.bookings import (
    TODAY,
    TOMORROW,
    at,
    book,
    clock_fixture,  # noqa: F401
    meeting_room_fixture,  # noqa: F401
    member_a_fixture,  # noqa: F401
    member_b_fixture,  # noqa: F401
    negotiation_room_fixture,  # noqa: F401
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

BOOKINGS = reverse("admin:spaces_booking_changelist")
CANDIDATES = reverse("admin:spaces_booking_no_show_candidates")


def _list(client, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(BOOKINGS, params)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_the_daily_team_adds_rooms_and_oversight_only_reads(client_for, daily_staff, oversight):
    response = client_for(daily_staff).post(reverse("admin:spaces_room_add"), {
        "code": "C401", "name": "C401 会议室", "room_type": "meeting_room", "floor": "4F", "capacity": 10,
        "equipment": "白板", "is_active": "on"})
    assert response.status_code == 302
    assert Room.objects.filter(code="C401", capacity=10).exists()
    assert client_for(oversight).get(reverse("admin:spaces_room_add")).status_code == 403
    assert client_for(oversight).get(reverse("admin:spaces_room_changelist")).status_code == 200


def test_a_booked_room_cannot_be_deleted(client_for, administrator, member_a, meeting_room, negotiation_room):
    book(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))
    client = client_for(administrator)
    assert client.get(reverse("admin:spaces_room_delete", args=[meeting_room.pk])).status_code == 403
    assert client.post(reverse("admin:spaces_room_delete", args=[negotiation_room.pk]), {"post": "yes"}).status_code == 302


def test_residents_do_not_reach_the_operations_desk(client_for, member_a):
    response = client_for(member_a.user).get(BOOKINGS)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_booking_list_at_a_fixed_cost_with_filters_and_search(client_for, daily_staff, member_a, member_b,
                                                                  meeting_room, negotiation_room):
    client = client_for(daily_staff)
    book(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"), purpose="产品评审")
    one, page = _list(client)
    assert "张三" in page and "2026年11月17日 09:00–10:00" in page

    for index in range(5):
        start = at(TOMORROW + timedelta(days=1), "09:00") + timedelta(hours=index)
        book(member_b, negotiation_room, start, start + timedelta(minutes=30), status=BookingStatus.CANCELLED)
    many, _page = _list(client)
    assert one == many

    _count, cancelled = _list(client, status__exact="cancelled")
    assert "欧阳娜娜" in cancelled and "张三" not in cancelled
    _count, meeting = _list(client, room__room_type__exact="meeting_room")
    assert "张三" in meeting and "欧阳娜娜" not in meeting
    _count, tomorrow = _list(client, when="tomorrow")
    assert "张三" in tomorrow and "欧阳娜娜" not in tomorrow
    _count, found = _list(client, q="产品评审")  # the purpose is searched
    assert "张三" in found and "欧阳娜娜" not in found


def test_bookings_are_read_only_and_not_added_here(client_for, daily_staff, member_a, meeting_room):
    booking = book(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))
    client = client_for(daily_staff)
    assert client.get(reverse("admin:spaces_booking_add")).status_code == 403
    page = client.get(reverse("admin:spaces_booking_change", args=[booking.pk]))
    assert page.status_code == 200 and 'name="status"' not in page.content.decode()


def test_cancelling_asks_for_a_reason_and_tells_the_resident(client_for, daily_staff, member_a, meeting_room):
    booking = book(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))
    client = client_for(daily_staff)
    selection = {"action": "cancel_bookings", ACTION_CHECKBOX_NAME: [booking.pk]}

    asking = client.post(BOOKINGS, selection)
    assert asking.status_code == 200 and "取消这些预约" in asking.content.decode()
    assert client.post(BOOKINGS, {**selection, "apply": "1", "reason": ""}).status_code == 200  # a reason is needed
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED

    done = client.post(BOOKINGS, {**selection, "apply": "1", "reason": "设备检修"}, follow=True)

    assert "已取消预约 1 项" in done.content.decode()
    booking.refresh_from_db()
    assert (booking.status, booking.cancel_reason, booking.cancelled_by) == (BookingStatus.CANCELLED, "设备检修", daily_staff)
    assert "设备检修" in Notification.objects.get(recipient=member_a.user, kind="spaces.booking_cancelled").body


def test_checking_in_through_the_action(client_for, daily_staff, member_a, meeting_room, clock):
    now_booking = book(member_a, meeting_room, at(TODAY, "08:00"), at(TODAY, "09:00"))
    later = book(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))

    response = client_for(daily_staff).post(BOOKINGS, {
        "action": "check_in_bookings", ACTION_CHECKBOX_NAME: [now_booking.pk, later.pk]}, follow=True)

    text = response.content.decode()
    assert "已签到预约 1 项" in text and "签到时间为" in text  # tomorrow's is refused with the reason
    assert dict(Booking.objects.values_list("pk", "status")) == {
        now_booking.pk: BookingStatus.CHECKED_IN, later.pk: BookingStatus.CONFIRMED}


def test_oversight_cannot_run_the_actions(client_for, oversight, member_a, meeting_room):
    booking = book(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))
    client_for(oversight).post(BOOKINGS, {"action": "cancel_bookings", ACTION_CHECKBOX_NAME: [booking.pk],
                                          "apply": "1", "reason": "x"})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_the_no_show_candidates_page(client_for, daily_staff, member_a, member_b, meeting_room):
    for days in (1, 5, 20):
        start = at(TODAY - timedelta(days=days), "09:00")
        book(member_a, meeting_room, start, start + timedelta(hours=1), status=BookingStatus.RELEASED)
    for days in (2, 40, 50):  # only one within the 30 days
        start = at(TODAY - timedelta(days=days), "10:00")
        book(member_b, meeting_room, start, start + timedelta(hours=1), status=BookingStatus.RELEASED)
    client = client_for(daily_staff)

    page = client.get(CANDIDATES).content.decode()

    assert "张三" in page and "欧阳娜娜" not in page
    assert reverse("admin:residents_resident_change", args=[member_a.pk]) in page
    assert "2c" in page and "第八章第二条" in page
    released = client.get(BOOKINGS, {"resident__id__exact": member_a.pk, "status__exact": "released"})
    assert released.status_code == 200 and released.content.decode().count("已释放（未签到）") >= 3
    assert "爽约候选名单" in client.get(BOOKINGS).content.decode()  # linked from the booking list


def test_the_credit_ledger_is_read_only(client_for, daily_staff, administrator, member_a):
    from spaces.services.credits import credit_grant

    credit_grant(resident=member_a, count=2, max_hours=3, source_key="reward-1", actor=administrator)
    client = client_for(daily_staff)
    page = client.get(reverse("admin:spaces_roadshowcredit_changelist"))
    assert page.status_code == 200 and "reward-1" in page.content.decode()
    assert client.get(reverse("admin:spaces_roadshowcredit_add")).status_code == 403
