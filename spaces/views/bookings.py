"""Portal pages for rooms and bookings (公共空间预约, 第四章第一条).

Thin views for the checked-in resident (``resident_required``): the rooms by type; a room's
day or week calendar of free and busy slots (busy without the booker's name; a free slot is a
link that pre-fills the booking form); the booking form; "my bookings" with change, cancel
and check-in; an .ics file per booking and a personal calendar feed. Bookings are fetched
through ``request.resident`` (another resident's: 404); every change is one service call.

One page is public: the calendar feed ``spaces:calendar_feed_ics`` answers calendar apps,
which carry no session, and is reached only through its secret token (a wrong one: 404).
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, re_path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from icalendar import Calendar, Event

from opc_community import rulebook
from opc_community.core.uploads import attachment_response
from opc_community.core.views import submit_action, submit_form
from opc_community.portal.cards import Card
from residents.access import current_resident, resident_required
from residents.models import ResidentStatus
from spaces.forms.bookings import BookingForm, CancelForm, booking_initial
from spaces.models import Booking, BookingStatus, Room, RoomType
from spaces.selectors import bookings as selectors
from spaces.services import booking_messages, calendar_feeds
from spaces.services import bookings as services

# --- Rooms and their calendar --------------------------------------------------------------------


@resident_required
@require_GET
def room_list(request: HttpRequest) -> HttpResponse:
    """The rooms open for booking, by type, with capacity, floor and equipment."""
    return render(request, "spaces/bookings/rooms.html", {"groups": selectors.rooms_by_type()})


def _parse_day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return default


@resident_required
@require_GET
def room_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """A room's free and busy slots: one day (the phone's default) or a week as a compact grid."""
    room = get_object_or_404(selectors.rooms_open(), pk=pk)
    today = timezone.localdate()
    day = _parse_day(request.GET.get("date"), today)
    week = request.GET.get("view") == "week"
    if week:
        start = day - timedelta(days=day.weekday())
        days = selectors.room_week(room, start, resident=request.resident)
        previous_day, next_day = start - timedelta(days=7), start + timedelta(days=7)
    else:
        days = [selectors.room_day(room, day, resident=request.resident)]
        previous_day, next_day = day - timedelta(days=1), day + timedelta(days=1)
    first = days[0]
    context = {
        "room": room,
        "days": days,
        "day": day,
        "today": today,
        "week": week,
        "previous_day": previous_day,
        "next_day": next_day,
        "times": [slot.starts_at for slot in first.slots],
        "rows": list(zip(*[d.slots for d in days], strict=True)) if week else None,
        "rule": _rule_note(room, first.room_rules, first.slot_minutes),
    }
    return render(request, "spaces/bookings/calendar.html", context)


def _rule_note(room: Room, room_rules: Any, slot_minutes: int) -> str:
    return _(
        "%(room_type)s: open %(opens)s–%(closes)s, booked in %(slot)s-minute steps, at most %(max)s minutes at a time, "
        "from %(notice)s minutes before the start up to %(days)s days ahead (Chapter 4, Article 1)."
    ) % {
        "room_type": room.get_room_type_display(),
        "opens": room_rules.opens.strftime("%H:%M"),
        "closes": room_rules.closes.strftime("%H:%M"),
        "slot": slot_minutes,
        "max": room_rules.max_minutes,
        "notice": room_rules.min_notice_minutes,
        "days": room_rules.horizon_days,
    }


# --- Booking, changing ------------------------------------------------------------------------------


@resident_required
@require_http_methods(["GET", "POST"])
def booking_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Book a room; the form comes back filled in, with the refusal next to its field."""
    room = get_object_or_404(selectors.rooms_open(), pk=pk)
    rules_in_force = rulebook.in_force()
    credits = selectors.credit_balance(request.resident) if room.room_type == RoomType.ROADSHOW_HALL else 0
    form = BookingForm(
        request.POST if request.method == "POST" else None,
        initial=booking_initial(query=request.GET),
        room=room, rules_in_force=rules_in_force, credits=credits,
    )
    return submit_form(
        request, form,
        lambda data: services.booking_create(
            resident=request.resident, room=room, starts_at=data["starts_at"], ends_at=data["ends_at"],
            purpose=data["purpose"], attendees=data["attendees"], use_credit=data.get("use_credit", False),
            actor=request.user,
        ),
        success_url=lambda booking: reverse("spaces:booking_detail", args=[booking.pk]),
        message=lambda booking: _("Booked: %(room)s, %(slot)s.") % {
            "room": room.name, "slot": booking_messages.format_slot(booking.starts_at, booking.ends_at)},
        template="spaces/bookings/form.html", context=_form_context(room, None, rules_in_force),
    )


def _form_context(room: Room, booking: Booking | None, rules_in_force: Any) -> dict[str, Any]:
    return {"room": room, "booking": booking,
            "rule": _rule_note(room, rules_in_force.booking.room_types[room.room_type],
                               rules_in_force.booking.slot_minutes)}


def _own(request: HttpRequest, pk: int) -> Booking:
    """The caller's own booking with its room, or 404."""
    return get_object_or_404(selectors.bookings_of(request.resident), pk=pk)


@resident_required
@require_http_methods(["GET", "POST"])
def booking_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a confirmed booking that has not started to another time of the same room."""
    booking = _own(request, pk)
    room = booking.room
    rules_in_force = rulebook.in_force()
    form = BookingForm(
        request.POST if request.method == "POST" else None,
        initial=booking_initial(query=request.GET, booking=booking),
        room=room, rules_in_force=rules_in_force, with_credit=False,
    )
    return submit_form(
        request, form,
        lambda data: services.booking_change(
            booking=booking, starts_at=data["starts_at"], ends_at=data["ends_at"], attendees=data["attendees"],
            purpose=data["purpose"], actor=request.user,
        ),
        success_url=lambda changed: reverse("spaces:booking_detail", args=[changed.pk]),
        message=lambda changed: _("Changed: %(room)s, %(slot)s.") % {
            "room": room.name, "slot": booking_messages.format_slot(changed.starts_at, changed.ends_at)},
        template="spaces/bookings/form.html", context=_form_context(room, booking, rules_in_force),
    )


# --- My bookings ------------------------------------------------------------------------------------


@resident_required
@require_GET
def my_bookings(request: HttpRequest) -> HttpResponse:
    """我的预约: bookings that have not ended (with cancel and check-in) and the latest past ones."""
    mine = selectors.my_bookings(request.resident)
    return render(request, "spaces/bookings/mine.html", {"mine": mine})


@resident_required
@require_GET
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _own(request, pk)
    return _detail(request, booking)


def _detail(request: HttpRequest, booking: Booking, *, cancel_form: CancelForm | None = None,
            status: int = 200) -> HttpResponse:
    now = timezone.now()
    section = rulebook.in_force(on=timezone.localdate(booking.starts_at)).booking
    selectors.attach_actions([booking], release_minutes=section.no_show_release_minutes, now=now)
    context = {
        "booking": booking,
        "cancel_form": cancel_form or CancelForm(),
        "check_in_opens": booking.starts_at - timedelta(minutes=services.rules.CHECK_IN_OPENS_MINUTES_BEFORE),
        "release_minutes": section.no_show_release_minutes,
        "rule": _(
            "Check in at the room from %(before)s minutes before the start: a booking nobody checks in to within "
            "%(minutes)s minutes of the start is released and counted as a no-show; %(limit)s no-shows within "
            "%(days)s days may be treated as misuse of space (Chapter 4, Article 1; Chapter 8, Article 2)."
        ) % {
            "before": services.rules.CHECK_IN_OPENS_MINUTES_BEFORE,
            "minutes": section.no_show_release_minutes,
            "limit": section.no_show_limit,
            "days": section.no_show_window_days,
        },
    }
    return render(request, "spaces/bookings/detail.html", context, status=status)


@resident_required
@require_POST
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _own(request, pk)
    form = CancelForm(request.POST)
    return submit_form(
        request, form,
        lambda data: services.booking_cancel(booking=booking, actor=request.user, reason=data["reason"]),
        success_url="spaces:my_bookings", message=_("Your booking is cancelled; the slot is free for others again."),
        page=lambda status: _detail(request, _own(request, pk), cancel_form=form, status=status), flash_errors=True,
    )


@resident_required
@require_POST
def booking_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _own(request, pk)
    return submit_action(
        request, lambda: services.booking_check_in(booking=booking, actor=request.user),
        redirect_to=reverse("spaces:booking_detail", args=[booking.pk]), message=_("Checked in. Enjoy your meeting."),
    )


# --- Calendar files --------------------------------------------------------------------------------

ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"


def _event(booking: Booking, *, now: datetime) -> Event:
    """One booking as a VEVENT: times in UTC, a UID stable for the booking, cancelled and released
    bookings as STATUS:CANCELLED (calendar apps then strike or remove them)."""
    event = Event()
    event.add("uid", f"booking-{booking.pk}@opc-community")
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", booking.starts_at.astimezone(UTC))
    event.add("dtend", booking.ends_at.astimezone(UTC))
    event.add("summary", f"{booking.room.name} · {booking.purpose}")
    event.add("location", f"{booking.room.name}（{booking.room.floor}）")
    event.add("description", _("%(slot)s (Beijing time), %(attendees)s people. %(status)s") % {
        "slot": booking_messages.format_slot(booking.starts_at, booking.ends_at),
        "attendees": booking.attendees,
        "status": booking_messages.status_label(booking.status),
    })
    active = booking.status in (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN)
    event.add("status", "CONFIRMED" if active else "CANCELLED")
    event.add("sequence", 0 if active else 1)
    return event


def _calendar(name: str, bookings: list[Booking]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Nansha International OPC Ecosystem Community//Bookings//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", str(timezone.get_default_timezone()))
    now = timezone.now()
    for booking in bookings:
        calendar.add_component(_event(booking, now=now))
    return calendar.to_ical()


@resident_required
@require_GET
def booking_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """One booking as an .ics file to add to a phone's calendar."""
    booking = _own(request, pk)
    return attachment_response(
        _calendar(booking.room.name, [booking]), download_name=f"booking-{booking.pk}.ics", content_type=ICS_CONTENT_TYPE
    )


@resident_required
@require_GET
def calendar_feed(request: HttpRequest) -> HttpResponse:
    """The personal calendar-feed address (created on the first visit) and how to subscribe."""
    feed = calendar_feeds.calendar_feed_get_or_create(resident=request.resident, actor=request.user)
    url = request.build_absolute_uri(reverse("spaces:calendar_feed_ics", args=[feed.token]))
    return render(request, "spaces/bookings/feed.html", {"feed_url": url, "webcal_url": url.replace("https://", "webcal://").replace("http://", "webcal://")})


@resident_required
@require_POST
def calendar_feed_reset(request: HttpRequest) -> HttpResponse:
    calendar_feeds.calendar_feed_rotate(resident=request.resident, actor=request.user)
    messages.success(request, _("Your calendar address was changed; the old one no longer works."))
    return redirect("spaces:calendar_feed")


@require_GET
def calendar_feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """Public (no session: calendar apps fetch it), reached only by the secret token; a wrong token or
    a resident who has left → 404. The resident's bookings of the last 90 days and the future."""
    feed = selectors.feed_of(token)
    if feed is None or feed.resident.status == ResidentStatus.EXITED:
        raise Http404
    bookings = selectors.feed_bookings(feed.resident)
    # Calendar apps send their own language, not the resident's: the feed speaks the site's language.
    with translation.override(settings.LANGUAGE_CODE):
        body = _calendar(_("%(name)s's room bookings") % {"name": feed.resident.name}, bookings)
    response = HttpResponse(body, content_type=ICS_CONTENT_TYPE)
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- Dashboard card (registered in SpacesConfig.ready) -------------------------------------------------


def dashboard_card(request: HttpRequest) -> Card | None:
    """我的预约 on the dashboard: today's and upcoming bookings (checked-in residents)."""
    resident = current_resident(request)
    if resident is None or resident.status not in (ResidentStatus.ACTIVE, ResidentStatus.EXITING):
        return None
    return Card("spaces/bookings/_card.html", selectors.bookings_card(resident))


urlpatterns = [
    path("rooms/", room_list, name="room_list"),
    path("rooms/<int:pk>/", room_calendar, name="room_calendar"),
    path("rooms/<int:pk>/book/", booking_new, name="booking_new"),
    path("bookings/", my_bookings, name="my_bookings"),
    path("bookings/<int:pk>/", booking_detail, name="booking_detail"),
    path("bookings/<int:pk>/change/", booking_change, name="booking_change"),
    path("bookings/<int:pk>/cancel/", booking_cancel, name="booking_cancel"),
    path("bookings/<int:pk>/check-in/", booking_check_in, name="booking_check_in"),
    path("bookings/<int:pk>/booking.ics", booking_ics, name="booking_ics"),
    path("calendar/", calendar_feed, name="calendar_feed"),
    path("calendar/reset/", calendar_feed_reset, name="calendar_feed_reset"),
    re_path(r"^calendar/(?P<token>[A-Za-z0-9_-]{20,64})\.ics$", calendar_feed_ics, name="calendar_feed_ics"),
]
