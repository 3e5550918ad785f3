"""Reads of rooms and bookings, each with a fixed number of queries.

What a resident may see of other residents' bookings: that a slot is busy, nothing else. The
calendar reads only the times (and whether a booking is the caller's own) from the database,
so no booker's identity ever reaches a page or an API answer.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community import rulebook
from opc_community.core.errors import DomainError
from opc_community.rulebook.models import RulebookVersion
from opc_community.rulebook.selectors import rules_of
from residents.models import Resident
from spaces.models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    CalendarFeed,
    RoadshowCredit,
    Room,
    RoomType,
)
from spaces.rules import bookings as rules

#: Where a tap on a free slot pre-fills the end: this long, if the following slots are free too.
#: A convenience of the page, not a rule (the rulebook's maximum still applies).
SUGGESTED_MINUTES = 60

#: Slot states shown to a resident (and in the availability API).
FREE, BUSY, MINE, UNAVAILABLE = "free", "busy", "mine", "unavailable"


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    state: str
    suggested_end: datetime | None = None  # free slots: the end a tap pre-fills

    @property
    def bookable(self) -> bool:
        return self.state == FREE


@dataclass(frozen=True)
class Day:
    day: date
    room_rules: Any  # the room type's rules in force that day (opening hours, length, horizon, notice)
    slot_minutes: int
    slots: list[Slot] = field(default_factory=list)

    @property
    def opens(self) -> Any:
        return self.room_rules.opens

    @property
    def closes(self) -> Any:
        return self.room_rules.closes

    @property
    def free_count(self) -> int:
        return sum(1 for slot in self.slots if slot.state == FREE)

    @property
    def free_runs(self) -> list[Slot]:
        """The free times of the day, consecutive free slots merged (what the page shows first): each run from
        its first start to its last end, tapping it pre-fills its first slot's suggested end."""
        runs: list[Slot] = []
        for slot in self.slots:
            if slot.state != FREE:
                continue
            if runs and runs[-1].ends_at == slot.starts_at:
                runs[-1] = Slot(runs[-1].starts_at, slot.ends_at, FREE, runs[-1].suggested_end)
            else:
                runs.append(slot)
        return runs


# --- Rooms -----------------------------------------------------------------------------------------


def rooms_open() -> QuerySet[Room]:
    """Rooms open for booking, by type and code (one query)."""
    return Room.objects.filter(is_active=True).order_by("room_type", "code")


def rooms_by_type() -> list[tuple[str, str, list[Room]]]:
    """[(room type, its label, rooms)] in the order of RoomType, types without rooms left out (one query)."""
    grouped: dict[str, list[Room]] = {}
    for room in rooms_open():
        grouped.setdefault(room.room_type, []).append(room)
    return [(value, str(label), grouped[value]) for value, label in RoomType.choices if value in grouped]


# --- The rulebook for several days at once ----------------------------------------------------------------


def rules_by_day(days: Sequence[date]) -> dict[date, Any]:
    """The rules in force on each day (one query, however many days; bodies are parsed once per process)."""
    versions = list(
        RulebookVersion.objects.filter(status=RulebookVersion.Status.ADOPTED, effective_from__lte=max(days))
        .order_by("-effective_from")
    )
    found = {}
    for day in days:
        version = next((v for v in versions if v.effective_from <= day), None)
        if version is None:
            raise DomainError(_("No rulebook version is in force on %(date)s.") % {"date": day}, code="no_rulebook")
        found[day] = rules_of(version)
    return found


# --- Calendar ----------------------------------------------------------------------------------------------


def _busy_periods(room: Room, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Active bookings of ``room`` overlapping [start, end): times and booker id only (one query)."""
    return list(
        Booking.objects.filter(
            room=room, status__in=ACTIVE_BOOKING_STATUSES, starts_at__lt=end, ends_at__gt=start
        )
        .order_by("starts_at")
        .values("starts_at", "ends_at", "resident_id")
    )


def _build_day(
    *, room: Room, day: date, rules_in_force: Any, periods: list[dict[str, Any]], resident_id: int | None, now: datetime
) -> Day:
    section = rules_in_force.booking
    room_rules = section.room_types[room.room_type]
    tz = timezone.get_default_timezone()
    grid = rules.day_slots(
        day=day, opens=room_rules.opens, closes=room_rules.closes, slot_minutes=section.slot_minutes, tz=tz
    )
    earliest = now + timedelta(minutes=room_rules.min_notice_minutes)
    last_day = rules.horizon_end(now=now, horizon_days=room_rules.horizon_days, tz=tz)

    states = []
    for start, end in grid:
        overlapping = [p for p in periods if p["starts_at"] < end and p["ends_at"] > start]
        if overlapping:
            own = resident_id is not None and any(p["resident_id"] == resident_id for p in overlapping)
            states.append(MINE if own else BUSY)
        elif start < earliest or day > last_day or not room.is_active:
            states.append(UNAVAILABLE)
        else:
            states.append(FREE)

    slots = []
    longest = min(SUGGESTED_MINUTES, room_rules.max_minutes)
    for index, ((start, end), state) in enumerate(zip(grid, states, strict=True)):
        suggested = None
        if state == FREE:
            suggested = end
            for (_next_start, next_end), next_state in zip(grid[index + 1:], states[index + 1:], strict=True):
                if next_state != FREE or rules.minutes_between(start, next_end) > longest:
                    break
                suggested = next_end
        slots.append(Slot(start, end, state, suggested))
    return Day(day=day, room_rules=room_rules, slot_minutes=section.slot_minutes, slots=slots)


def room_day(room: Room, day: date, *, resident: Resident | None = None, now: datetime | None = None) -> Day:
    """The slots of ``room`` on ``day``: free, busy, the resident's own (mine), or unavailable (past,
    too short notice, beyond the horizon, room closed). Two queries: the rulebook, the bookings."""
    return room_week(room, day, resident=resident, now=now, days=1)[0]


def room_week(
    room: Room, week_start: date, *, resident: Resident | None = None, now: datetime | None = None, days: int = 7
) -> list[Day]:
    """``days`` consecutive days of :func:`room_day` from ``week_start``; two queries in all."""
    now = now or timezone.now()
    dates = [week_start + timedelta(days=offset) for offset in range(days)]
    by_day = rules_by_day(dates)
    tz = timezone.get_default_timezone()
    start = datetime.combine(dates[0], datetime.min.time(), tzinfo=tz)
    end = datetime.combine(dates[-1] + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    periods = _busy_periods(room, start, end)
    resident_id = resident.pk if resident is not None else None
    return [
        _build_day(room=room, day=day, rules_in_force=by_day[day], periods=periods, resident_id=resident_id, now=now)
        for day in dates
    ]


def next_free_slot(
    room: Room, *, starts_at: datetime, ends_at: datetime, resident: Resident | None = None, days: int = 7
) -> tuple[datetime, datetime] | None:
    """The earliest free time of the same length as [starts_at, ends_at) in ``room``, from ``starts_at`` on
    over ``days`` days (the calendar's rules: opening hours, notice, horizon), or None; what a booking refused
    for a taken slot suggests (two queries: the rulebook, the bookings)."""
    week = room_week(room, timezone.localdate(starts_at), resident=resident, days=days)
    slots = [(slot.starts_at, slot.ends_at, slot.state == FREE) for day in week for slot in day.slots]
    return rules.first_free_run(slots, not_before=starts_at, minutes=rules.minutes_between(starts_at, ends_at))


# --- A resident's bookings -----------------------------------------------------------------------------------


@dataclass
class MyBookings:
    upcoming: list[Booking]
    past: list[Booking]


#: How many past bookings "my bookings" shows.
PAST_SHOWN = 20


def _with_room() -> QuerySet[Booking]:
    return Booking.objects.select_related("room")


def attach_actions(bookings: Iterable[Booking], *, release_minutes: int, now: datetime) -> None:
    """Put ``can_cancel``, ``can_change``, ``can_check_in`` and ``release_at`` on each booking (no query)."""
    for booking in bookings:
        confirmed = booking.status == BookingStatus.CONFIRMED
        booking.release_at = rules.release_at(booking.starts_at, release_minutes=release_minutes)
        booking.can_cancel = confirmed and rules.may_cancel(
            starts_at=booking.starts_at, release_minutes=release_minutes, by_staff=False, now=now
        )
        booking.can_change = confirmed and rules.may_change(starts_at=booking.starts_at, now=now)
        booking.can_check_in = confirmed and rules.may_check_in(
            starts_at=booking.starts_at, ends_at=booking.ends_at, release_minutes=release_minutes, by_staff=False,
            now=now,
        )


def my_bookings(resident: Resident, *, now: datetime | None = None) -> MyBookings:
    """The resident's bookings that have not ended (soonest first) and the latest past ones, with
    their room and what the resident may still do. Three queries: upcoming, past, the rulebook."""
    now = now or timezone.now()
    own = _with_room().filter(resident=resident)
    upcoming = list(own.filter(ends_at__gt=now).order_by("starts_at", "id"))
    past = list(own.filter(ends_at__lte=now).order_by("-starts_at", "-id")[:PAST_SHOWN])
    release_minutes = rulebook.in_force(on=timezone.localdate(now)).booking.no_show_release_minutes
    attach_actions(upcoming, release_minutes=release_minutes, now=now)
    attach_actions(past, release_minutes=release_minutes, now=now)
    return MyBookings(upcoming=upcoming, past=past)


def bookings_of(resident: Resident) -> QuerySet[Booking]:
    """All of the resident's bookings with their room (for fetching one through the resident: 404 otherwise)."""
    return _with_room().filter(resident=resident)


def bookings_card(resident: Resident, *, now: datetime | None = None, limit: int = 3) -> dict[str, Any]:
    """The dashboard card: today's and upcoming active bookings, and the resident's own no-shows counted as
    staff count them (:func:`no_show_candidates`, RULEBOOK §5) with the limit that makes a case of misuse of
    space (第八章第二条). Three queries: the rulebook in force, the bookings, the no-shows."""
    now = now or timezone.now()
    section = rulebook.in_force(on=timezone.localdate(now)).booking
    items = list(
        _with_room()
        .filter(resident=resident, status__in=ACTIVE_BOOKING_STATUSES, ends_at__gt=now)
        .order_by("starts_at")[: limit + 1]
    )
    today = timezone.localdate(now)
    for booking in items:
        booking.is_today = timezone.localdate(booking.starts_at) == today
    no_shows = Booking.objects.filter(
        resident=resident, status=BookingStatus.RELEASED,
        starts_at__gte=now - timedelta(days=section.no_show_window_days), starts_at__lte=now,
    ).count()
    return {
        "items": items[:limit], "more": len(items) > limit, "today_count": sum(b.is_today for b in items),
        "no_shows": no_shows, "no_show_limit": section.no_show_limit, "no_show_days": section.no_show_window_days,
    }


def feed_of(token: str) -> CalendarFeed | None:
    """The calendar feed with this secret token and its resident (one query)."""
    return CalendarFeed.objects.select_related("resident").filter(token=token).first()


#: How far back a calendar feed reaches.
FEED_DAYS_BACK = 90


def feed_bookings(resident: Resident, *, now: datetime | None = None) -> list[Booking]:
    """The resident's bookings of the last 90 days and all future ones, cancelled included (one query)."""
    now = now or timezone.now()
    since = now - timedelta(days=FEED_DAYS_BACK)
    return list(_with_room().filter(resident=resident, ends_at__gte=since).order_by("starts_at", "id"))


# --- Staff --------------------------------------------------------------------------------------------------


def bookings_for_staff() -> QuerySet[Booking]:
    """Every booking with room, resident and booker (one query per page)."""
    return Booking.objects.select_related("room", "resident", "booked_by")


def no_show_candidates(*, now: datetime | None = None, rules_in_force: Any = None) -> QuerySet[Resident]:
    """Residents with at least ``no_show_limit`` no-shows whose start lies within the last
    ``no_show_window_days`` (RULEBOOK §5): candidates for the violation 2c "misuse of space"
    (第八章第二条). Annotated ``no_shows`` and ``last_no_show_at``; one query (plus the rulebook
    unless given). A no-show exactly ``no_show_window_days`` ago still counts.
    """
    now = now or timezone.now()
    section = (rules_in_force or rulebook.in_force(on=timezone.localdate(now))).booking
    since = now - timedelta(days=section.no_show_window_days)
    counted = Q(bookings__status=BookingStatus.RELEASED, bookings__starts_at__gte=since, bookings__starts_at__lte=now)
    return (
        Resident.objects.annotate(
            no_shows=Count("bookings", filter=counted),
            last_no_show_at=Max("bookings__starts_at", filter=counted),
        )
        .filter(no_shows__gte=section.no_show_limit)
        .order_by("-no_shows", "-last_no_show_at", "name")
    )


# --- Credits -------------------------------------------------------------------------------------------------


def credit_balance(resident: Resident) -> int:
    """Free roadshow-hall bookings the resident has left (one query)."""
    return RoadshowCredit.objects.filter(resident=resident).aggregate(total=Sum("change"))["total"] or 0


# --- The resident's archive (第三章第五条) -----------------------------------------------------------------

BOOKING_ARCHIVE_LABEL = gettext_lazy("Room bookings")


def archive_entries(resident: Any) -> list[Any]:
    """The resident's room bookings as archive sentences on the day booked for, e.g. “预约 路演厅
    09:00–11:00：产品路演（已取消：…）” (one query: the bookings with their room)."""
    from residents.selectors.archive import Entry, _name

    entries = []
    for booking in Booking.objects.filter(resident=resident).select_related("room", "booked_by").order_by(
        "starts_at", "pk"
    ):
        status = (_("checked in at the room") if booking.status == BookingStatus.CHECKED_IN
                  else str(BookingStatus(booking.status).label))
        detail = [status, booking.cancel_reason] if booking.cancel_reason else [status]
        if booking.uses_credit:
            detail.append(_("a free roadshow-hall credit"))
        entries.append(Entry(
            at=booking.starts_at, section="booking",
            title=_("Booked %(room)s %(start)s–%(end)s: %(purpose)s") % {
                "room": booking.room.name, "start": timezone.localtime(booking.starts_at).strftime("%H:%M"),
                "end": timezone.localtime(booking.ends_at).strftime("%H:%M"), "purpose": booking.purpose},
            detail=" · ".join(str(part) for part in detail), actor=_name(booking.booked_by),
        ))
    return entries
