"""Portal pages of rooms and bookings (第四章第一条): who may see what, the booking form, my
bookings with change, cancel and check-in, .ics files and the calendar feed; fixed query counts."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar

from residents.models import ResidentStatus
from spaces.models import Booking, BookingStatus, CalendarFeed
from tests.discipline.factories import SuspensionFactory
from tests.downloads import assert_safe_download
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


def url(name, *args):
    return reverse(f"spaces:{name}", args=args)


@pytest.fixture
def client_a(client_for, member_a):
    return client_for(member_a.user)


@pytest.fixture
def client_b(client_for, member_b):
    return client_for(member_b.user)


@pytest.fixture
def a_booking(member_a, meeting_room):
    return book(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"), purpose="产品评审")


@pytest.fixture
def b_booking(member_b, meeting_room):
    return book(member_b, meeting_room, at(TOMORROW, "14:00"), at(TOMORROW, "15:00"), purpose="投资人洽谈")


def page_urls(room, booking):
    return [
        url("room_list"), url("room_calendar", room.pk), url("booking_new", room.pk), url("my_bookings"),
        url("booking_detail", booking.pk), url("booking_change", booking.pk), url("booking_ics", booking.pk),
        url("calendar_feed"),
    ]


# --- Who may use the pages ------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, meeting_room, a_booking):
    for address in page_urls(meeting_room, a_booking):
        response = client.get(address)
        assert response.status_code == 302 and response["Location"].startswith("/portal/login/"), address
    for name in ("booking_cancel", "booking_check_in"):
        response = client.post(url(name, a_booking.pk))
        assert response.status_code == 302 and response["Location"].startswith("/portal/login/")


def test_staff_and_outsiders_are_refused(client_for, daily_staff, outsider, meeting_room, a_booking):
    for user in (daily_staff, outsider):
        for address in page_urls(meeting_room, a_booking):
            assert client_for(user).get(address).status_code == 403, address


def test_a_resident_not_yet_checked_in_is_refused(client_for, member_a, meeting_room):
    member_a.status = ResidentStatus.ONBOARDING
    member_a.save()
    assert client_for(member_a.user).get(url("room_list")).status_code == 403


@pytest.mark.parametrize(("name", "method"), [("room_list", "post"), ("my_bookings", "post"), ("calendar_feed", "post")])
def test_wrong_method_without_arguments(client_a, name, method):
    assert getattr(client_a, method)(url(name)).status_code == 405


def test_wrong_methods(client_a, meeting_room, a_booking):
    assert client_a.post(url("room_calendar", meeting_room.pk)).status_code == 405
    assert client_a.get(url("booking_cancel", a_booking.pk)).status_code == 405
    assert client_a.get(url("booking_check_in", a_booking.pk)).status_code == 405
    assert client_a.delete(url("booking_detail", a_booking.pk)).status_code == 405
    assert client_a.get(url("calendar_feed_reset")).status_code == 405


def test_another_residents_booking_is_not_found(client_a, b_booking):
    for address in (url("booking_detail", b_booking.pk), url("booking_change", b_booking.pk),
                    url("booking_ics", b_booking.pk)):
        assert client_a.get(address).status_code == 404, address
    assert client_a.post(url("booking_cancel", b_booking.pk)).status_code == 404
    assert client_a.post(url("booking_check_in", b_booking.pk)).status_code == 404
    assert client_a.post(url("booking_change", b_booking.pk), {"day": TOMORROW.isoformat(), "start": "16:00",
                                                               "end": "17:00", "attendees": 1, "purpose": "x"}
                         ).status_code == 404
    b_booking.refresh_from_db()
    assert (b_booking.status, b_booking.starts_at) == (BookingStatus.CONFIRMED, at(TOMORROW, "14:00"))


# --- Rooms and the calendar -----------------------------------------------------------------------------


def test_rooms_by_type_with_capacity_and_equipment(client_a, meeting_room, roadshow_hall, negotiation_room,
                                                   django_assert_num_queries):
    with django_assert_num_queries(7):
        # session, user, resident, rulebook + acknowledgement (oriented), rooms; unread count (base)
        response = client_a.get(url("room_list"))
    text = response.content.decode()
    assert response.status_code == 200
    assert text.index("会议室") < text.index("路演厅") < text.index("洽谈室")
    assert "可容纳 80 人" in text and "LED 屏、音响" in text


def test_a_closed_room_has_no_calendar(client_a, meeting_room):
    meeting_room.is_active = False
    meeting_room.save()
    assert client_a.get(url("room_calendar", meeting_room.pk)).status_code == 404
    assert client_a.get(url("booking_new", meeting_room.pk)).status_code == 404


def test_the_day_calendar_shows_busy_slots_without_the_booker(client_a, member_b, meeting_room, a_booking, b_booking):
    response = client_a.get(url("room_calendar", meeting_room.pk), {"date": TOMORROW.isoformat()})
    text = response.content.decode()

    assert response.status_code == 200
    assert "欧阳娜娜" not in text and "投资人洽谈" not in text  # B's identity and purpose never shown
    states = dict(_slot_states(text))
    assert states["09:00"] == "mine" and states["14:00"] == "busy" and states["14:30"] == "busy"
    assert states["10:00"] == "free" and states["15:00"] == "free"
    # A tap on a free slot pre-fills the form: one hour when the next slot is free too.
    assert f'{url("booking_new", meeting_room.pk)}?date=2026-11-17&amp;start=10:00&amp;end=11:00' in text
    # …and only as long as the free time lasts before the next booking.
    assert f'{url("booking_new", meeting_room.pk)}?date=2026-11-17&amp;start=13:30&amp;end=14:00' in text


def test_the_day_calendar_lists_the_free_times_first(client_a, meeting_room, a_booking, b_booking):
    text = client_a.get(url("room_calendar", meeting_room.pk), {"date": TOMORROW.isoformat()}).content.decode()

    free = text.index('data-testid="free-times"')
    assert free < text.index('data-testid="day-slots"')
    runs = re.findall(r'free-times__link" href="[^"]*">(\d\d:\d\d–\d\d:\d\d)<', text[free:])
    assert runs == ["08:00–09:00", "10:00–14:00", "15:00–22:00"]  # consecutive free slots merged
    assert f'{url("booking_new", meeting_room.pk)}?date=2026-11-17&amp;start=10:00&amp;end=11:00' in text[free:]


def _slot_states(text):
    """[(start, state)] of the day view's rows."""
    return [(start, state) for state, start in re.findall(r'data-state="(\w+)" data-start="(\d\d:\d\d)"', text)]


def test_today_before_the_notice_is_not_bookable(client_a, meeting_room):
    text = client_a.get(url("room_calendar", meeting_room.pk)).content.decode()  # today, 08:00
    states = dict(_slot_states(text))
    assert states["08:00"] == "unavailable" and states["08:30"] == "free"  # 30 minutes' notice


@pytest.mark.parametrize("bookings", [1, 6])
def test_calendar_pages_have_a_fixed_number_of_queries(client_a, member_a, member_b, meeting_room, bookings,
                                                        django_assert_num_queries):
    for index in range(bookings):
        start = at(TOMORROW, "09:00") + timedelta(hours=index)
        book(member_a if index % 2 else member_b, meeting_room, start, start + timedelta(minutes=30))

    # session, user, resident, rulebook + acknowledgement (oriented), the room, the rulebook versions,
    # the bookings (times and booker ids only); unread count (base)
    with django_assert_num_queries(9):
        day = client_a.get(url("room_calendar", meeting_room.pk), {"date": TOMORROW.isoformat()})
    with django_assert_num_queries(9):
        week = client_a.get(url("room_calendar", meeting_room.pk), {"date": TOMORROW.isoformat(), "view": "week"})
    assert day.status_code == week.status_code == 200
    assert week.content.decode().count('class="slot--busy"') == (bookings + 1) // 2


def test_the_week_grid_links_free_cells_to_the_form(client_a, meeting_room, b_booking):
    text = client_a.get(url("room_calendar", meeting_room.pk), {"date": TOMORROW.isoformat(), "view": "week"}
                        ).content.decode()
    assert 'data-testid="week-grid"' in text
    assert f'{url("booking_new", meeting_room.pk)}?date=2026-11-20&amp;start=09:00&amp;end=10:00' in text
    assert "欧阳娜娜" not in text


# --- Booking -----------------------------------------------------------------------------------------


def form_data(**overrides):
    return {"day": TOMORROW.isoformat(), "start": "10:00", "end": "11:00", "attendees": 3, "purpose": "团队周会",
            **overrides}


def test_the_form_is_prefilled_from_the_tapped_slot(client_a, meeting_room):
    response = client_a.get(url("booking_new", meeting_room.pk), {"date": "2026-11-18", "start": "14:00", "end": "15:00"})
    form = response.context["form"]
    assert response.status_code == 200
    assert (form["day"].value().isoformat(), form["start"].value(), form["end"].value()) == ("2026-11-18", "14:00", "15:00")
    assert "use_credit" not in form.fields  # not the roadshow hall


def test_booking_through_the_form(client_a, member_a, meeting_room):
    response = client_a.post(url("booking_new", meeting_room.pk), form_data())

    booking = Booking.objects.get()
    assert response.status_code == 302 and response["Location"] == url("booking_detail", booking.pk)
    assert (booking.resident, booking.starts_at, booking.ends_at, booking.attendees) == (
        member_a, at(TOMORROW, "10:00"), at(TOMORROW, "11:00"), 3)
    page = client_a.get(response["Location"]).content.decode()
    assert "预约成功" in page and "2026年11月17日" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"end": "09:00"}, "end", "结束时间必须晚于开始时间"),
        ({"start": "09:00", "end": "14:00"}, "end", "最长 240 分钟"),
        ({"day": "2026-12-17"}, "day", "最多提前 30 天"),
        ({"day": "2026-11-15"}, "day", "已经过去"),
        ({"attendees": 9}, "attendees", "8"),
        ({"start": "10:15"}, "start", "有效的选项"),  # not on the grid: not even offered
    ],
)
def test_refusals_appear_next_to_the_field_and_nothing_is_lost(client_a, meeting_room, overrides, field, message):
    response = client_a.post(url("booking_new", meeting_room.pk), form_data(**overrides))

    assert response.status_code == 400
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert form["purpose"].value() == "团队周会" and str(form["attendees"].value()) == str(form_data(**overrides)["attendees"])
    assert Booking.objects.count() == 0


def test_a_taken_slot_is_explained_without_naming_who(client_a, meeting_room, b_booking):
    response = client_a.post(url("booking_new", meeting_room.pk), form_data(start="13:30", end="14:30"))

    assert response.status_code == 400
    errors = response.context["form"].errors["start"]
    assert errors == ["A301 会议室已被预约（2026年11月17日 14:00–15:00）。最近的同样时长空闲时段：2026年11月17日 15:00–16:00。"]
    text = response.content.decode()
    assert "欧阳娜娜" not in text
    assert Booking.objects.count() == 1
    # The next free time of the same length is one tap away: the form filled in with it.
    assert 'href="?date=2026-11-17&amp;start=15:00&amp;end=16:00"' in text and "改订最近的空闲时段" in text
    again = client_a.get(url("booking_new", meeting_room.pk), {"date": "2026-11-17", "start": "15:00", "end": "16:00"})
    form = again.context["form"]
    assert (form["start"].value(), form["end"].value()) == ("15:00", "16:00")


def test_a_clash_with_the_residents_own_booking_says_so(client_a, meeting_room, a_booking):
    response = client_a.post(url("booking_new", meeting_room.pk), form_data(start="09:30", end="10:30"))

    assert response.status_code == 400
    assert response.context["form"].errors["start"] == [
        "您本人已预约A301 会议室（2026年11月17日 09:00–10:00），所选时间与您自己的预约重叠。"
        "最近的同样时长空闲时段：2026年11月17日 10:00–11:00。"
    ]


def test_changing_a_booking_to_a_suggested_time_keeps_the_suggestion(client_a, a_booking, b_booking):
    response = client_a.get(url("booking_change", a_booking.pk), {"date": "2026-11-18", "start": "11:00", "end": "12:00"})
    form = response.context["form"]
    assert (form["day"].value().isoformat(), form["start"].value(), form["end"].value()) == (
        "2026-11-18", "11:00", "12:00")
    assert form["purpose"].value() == "产品评审"  # the booking's own values otherwise


def test_the_form_never_offers_an_end_before_the_start(client_a, meeting_room):
    text = client_a.get(url("booking_new", meeting_room.pk), {"date": "2026-11-18", "start": "14:00"}).content.decode()
    # The end picker is tied to the start picker (static/js/site.js hides every end at or before the start);
    # the server refuses one all the same, next to the end time (test above).
    assert re.search(r'<select name="end"[^>]*data-end-after="id_start"', text)


def test_a_suspended_resident_is_told_on_the_form(client_a, member_a, meeting_room):
    SuspensionFactory(resident=member_a)
    response = client_a.post(url("booking_new", meeting_room.pk), form_data())
    assert response.status_code == 400
    assert "公共空间使用权限已暂停" in response.content.decode()
    assert Booking.objects.count() == 0


def test_the_roadshow_hall_offers_a_credit_when_the_resident_has_one(client_a, member_a, roadshow_hall, administrator):
    from spaces.services.credits import credit_grant

    assert "use_credit" not in client_a.get(url("booking_new", roadshow_hall.pk)).context["form"].fields
    credit_grant(resident=member_a, count=2, max_hours=3, source_key="r1", actor=administrator)
    form = client_a.get(url("booking_new", roadshow_hall.pk)).context["form"]
    assert "还有 2 次路演厅免费使用权益" in str(form.fields["use_credit"].help_text)

    client_a.post(url("booking_new", roadshow_hall.pk), form_data(use_credit="on"))
    assert Booking.objects.get().uses_credit


# --- My bookings -------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 6])
def test_my_bookings_lists_only_mine_with_a_fixed_number_of_queries(client_a, member_a, member_b, meeting_room,
                                                                     negotiation_room, count, b_booking,
                                                                     django_assert_num_queries):
    for index in range(count):
        start = at(TOMORROW + timedelta(days=1), "09:00") + timedelta(hours=index)
        book(member_a, meeting_room, start, start + timedelta(hours=1))
        book(member_a, negotiation_room, start - timedelta(days=3), start - timedelta(days=3, minutes=-30),
             status=BookingStatus.CHECKED_IN)

    # session, user, resident, rulebook + acknowledgement (oriented), upcoming, past, rulebook; unread count
    with django_assert_num_queries(9):
        response = client_a.get(url("my_bookings"))

    text = response.content.decode()
    assert len(response.context["mine"].upcoming) == count and len(response.context["mine"].past) == count
    assert "投资人洽谈" not in text


def test_cancelling_from_the_booking_page(client_a, a_booking):
    page = client_a.get(url("booking_detail", a_booking.pk)).content.decode()
    assert "取消预约" in page and "修改时间" in page and "开始后 15 分钟内未签到" in page

    response = client_a.post(url("booking_cancel", a_booking.pk), {"reason": "会议改期"})

    assert response.status_code == 302 and response["Location"] == url("my_bookings")
    a_booking.refresh_from_db()
    assert (a_booking.status, a_booking.cancel_reason) == (BookingStatus.CANCELLED, "会议改期")


def test_checking_in_at_the_room(client_a, a_booking, clock):
    assert "签到（我已到场）" not in client_a.get(url("booking_detail", a_booking.pk)).content.decode()
    clock.move_to(at(TOMORROW, "08:50"))
    listing = client_a.get(url("my_bookings")).content.decode()
    assert url("booking_check_in", a_booking.pk) in listing  # the button is in "my bookings" too

    response = client_a.post(url("booking_check_in", a_booking.pk))

    assert response.status_code == 302
    a_booking.refresh_from_db()
    assert a_booking.status == BookingStatus.CHECKED_IN


def test_checking_in_too_late_says_why(client_a, a_booking, clock):
    clock.move_to(at(TOMORROW, "09:20"))
    response = client_a.post(url("booking_check_in", a_booking.pk), follow=True)
    assert "签到时间为" in response.content.decode()
    a_booking.refresh_from_db()
    assert a_booking.status == BookingStatus.CONFIRMED


def test_changing_the_time(client_a, a_booking):
    form = client_a.get(url("booking_change", a_booking.pk)).context["form"]
    assert (form["start"].value(), form["end"].value(), form["purpose"].value()) == ("09:00", "10:00", "产品评审")

    response = client_a.post(url("booking_change", a_booking.pk), form_data(start="15:00", end="16:30"))

    assert response.status_code == 302
    a_booking.refresh_from_db()
    assert (a_booking.starts_at, a_booking.ends_at) == (at(TOMORROW, "15:00"), at(TOMORROW, "16:30"))


# --- Calendar files ---------------------------------------------------------------------------------------


def test_one_booking_as_an_ics_file(client_a, a_booking):
    response = client_a.get(url("booking_ics", a_booking.pk))

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert_safe_download(response, f"booking-{a_booking.pk}.ics")
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert str(event["UID"]) == f"booking-{a_booking.pk}@opc-community"
    assert event.decoded("DTSTART").isoformat() == "2026-11-17T01:00:00+00:00"  # UTC
    assert str(event["STATUS"]) == "CONFIRMED" and "A301 会议室" in str(event["SUMMARY"])


def test_the_calendar_feed_page_creates_the_address_once_and_can_renew_it(client_a, member_a):
    first = client_a.get(url("calendar_feed"))
    token = CalendarFeed.objects.get(resident=member_a).token
    assert f"/portal/spaces/calendar/{token}.ics" in first.content.decode()
    client_a.get(url("calendar_feed"))
    assert CalendarFeed.objects.get().token == token

    client_a.post(url("calendar_feed_reset"))
    assert CalendarFeed.objects.get().token != token


@pytest.mark.parametrize("count", [1, 5])
def test_the_feed_is_reached_by_its_token_without_a_session(client, member_a, meeting_room, count,
                                                             django_assert_num_queries):
    feed = CalendarFeed.objects.create(resident=member_a, token="t" * 43)
    for index in range(count):
        start = at(TOMORROW, "09:00") + timedelta(hours=index)
        book(member_a, meeting_room, start, start + timedelta(minutes=30),
             status=BookingStatus.CANCELLED if index == 0 else BookingStatus.CONFIRMED)

    with django_assert_num_queries(2):  # the feed with its resident, the bookings with their rooms
        response = client.get(url("calendar_feed_ics", feed.token))

    assert response.status_code == 200
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert len(events) == count
    assert [str(e["STATUS"]) for e in events].count("CANCELLED") == 1
    assert len({str(e["UID"]) for e in events}) == count


def test_a_wrong_token_or_a_resident_who_left_gets_nothing(client, member_a):
    assert client.get(url("calendar_feed_ics", "x" * 43)).status_code == 404
    feed = CalendarFeed.objects.create(resident=member_a, token="t" * 43)
    member_a.status = ResidentStatus.EXITING
    member_a.save()
    assert client.get(url("calendar_feed_ics", feed.token)).status_code == 200
    type(member_a).objects.filter(pk=member_a.pk).update(status=ResidentStatus.EXITED, exited_on=TOMORROW,
                                                       retain_until=TOMORROW)
    assert client.get(url("calendar_feed_ics", feed.token)).status_code == 404


# --- Dashboard card ---------------------------------------------------------------------------------------


def test_the_dashboard_card_shows_upcoming_bookings(client_a, a_booking):
    text = client_a.get(reverse("portal:dashboard")).content.decode()
    assert "09:00–10:00 · A301 会议室" in text
    assert url("booking_detail", a_booking.pk) in text


def test_the_dashboard_links_to_every_spaces_page(client_a):
    text = client_a.get(reverse("portal:dashboard")).content.decode()
    for name, label in [("room_list", "预约场地"), ("my_bookings", "我的预约"), ("desk", "我的工位"),
                        ("visitor_list", "我的访客"), ("permit_list", "我的宣传与活动申请")]:
        assert f'<a href="{reverse(f"spaces:{name}")}">{label}</a>' in text, name
