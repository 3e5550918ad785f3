"""Pure booking rules (第四章第一条 公共空间预约使用制度; RULEBOOK §5).

No database, no clock, no translation: the caller passes the room type's rules from the
rulebook version in force (``rules.booking.room_types[room_type]``), the slot grid, ``now``
and the local time zone; each function answers with plain values. A refusal is a list of
:class:`Problem` (the field it concerns, a code, the numbers it names); the services layer
turns each code into a Chinese sentence naming the rule (spaces.services.booking_messages.MESSAGES).

Bookings are half-open periods [starts_at, ends_at): a booking ending at 10:00 and one
starting at 10:00 do not overlap, and a booking may end exactly at closing time.
"""

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, Protocol

#: A product decision, not a number of the regulation: the resident may check in at the room
#: from this many minutes before the start (the release time after the start is rule data).
CHECK_IN_OPENS_MINUTES_BEFORE = 15

ROADSHOW_HALL = "roadshow_hall"


class RoomTypeRules(Protocol):
    """What the rules need of ``rulebook.schema.RoomTypeRules``."""

    opens: time
    closes: time
    max_minutes: int
    horizon_days: int
    min_notice_minutes: int


@dataclass(frozen=True)
class Problem:
    """One reason to refuse a booking: the input field it concerns, a code and its numbers."""

    field: str
    code: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)


# Codes (the services layer holds a message for each).
END_BEFORE_START = "end_before_start"
UNALIGNED = "unaligned"
BEFORE_OPENING = "before_opening"
AFTER_CLOSING = "after_closing"
ACROSS_MIDNIGHT = "across_midnight"
TOO_LONG = "too_long"
IN_PAST = "in_past"
SHORT_NOTICE = "short_notice"
TOO_FAR_AHEAD = "too_far_ahead"
OVER_CAPACITY = "over_capacity"
NO_ATTENDEES = "no_attendees"
CREDIT_WRONG_ROOM = "credit_wrong_room"
CREDIT_TOO_LONG = "credit_too_long"


def minutes_between(starts_at: datetime, ends_at: datetime) -> int:
    """Whole minutes from start to end (negative when the end comes first)."""
    return int((ends_at - starts_at).total_seconds() // 60)


def _aligned(moment: datetime, slot_minutes: int) -> bool:
    minute_of_day = moment.hour * 60 + moment.minute
    return moment.second == 0 and moment.microsecond == 0 and minute_of_day % slot_minutes == 0


def slot_problems(
    *,
    starts_at: datetime,
    ends_at: datetime,
    room_rules: RoomTypeRules,
    slot_minutes: int,
    now: datetime,
    tz: tzinfo,
) -> list[Problem]:
    """Everything wrong with booking [starts_at, ends_at) of a room with ``room_rules`` at ``now``.

    Checked, each at its boundary (times local to ``tz``):

    - the end comes after the start;
    - start and end lie on the ``slot_minutes`` grid counted from midnight (9:00, 9:30 …);
    - opening hours: start ≥ opens and start < closes; end ≤ closes (ending exactly at closing
      time is fine) and on the start's day (across midnight is not);
    - length ≤ ``max_minutes``;
    - not in the past (start ≥ now), and start ≥ now + ``min_notice_minutes``;
    - the start's day ≤ today + ``horizon_days``.

    An empty list means the slot is acceptable (whether it is free is the database's answer).
    """
    problems: list[Problem] = []
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    opens, closes = room_rules.opens, room_rules.closes

    if end <= start:
        problems.append(Problem("ends_at", END_BEFORE_START))
    if not _aligned(start, slot_minutes):
        problems.append(Problem("starts_at", UNALIGNED, {"minutes": slot_minutes}))
    if end > start and not _aligned(end, slot_minutes):
        problems.append(Problem("ends_at", UNALIGNED, {"minutes": slot_minutes}))

    if start.time() < opens:
        problems.append(Problem("starts_at", BEFORE_OPENING, {"opens": opens, "closes": closes}))
    elif start.time() >= closes:
        problems.append(Problem("starts_at", AFTER_CLOSING, {"opens": opens, "closes": closes}))
    if end > start:
        if end.date() != start.date():
            problems.append(Problem("ends_at", ACROSS_MIDNIGHT, {"closes": closes}))
        elif end.time() > closes:
            problems.append(Problem("ends_at", AFTER_CLOSING, {"opens": opens, "closes": closes}))
        if minutes_between(start, end) > room_rules.max_minutes:
            problems.append(Problem("ends_at", TOO_LONG, {"max_minutes": room_rules.max_minutes}))

    if starts_at < now:
        problems.append(Problem("starts_at", IN_PAST))
    elif starts_at < now + timedelta(minutes=room_rules.min_notice_minutes):
        problems.append(Problem("starts_at", SHORT_NOTICE, {"minutes": room_rules.min_notice_minutes}))

    last_day = horizon_end(now=now, horizon_days=room_rules.horizon_days, tz=tz)
    if start.date() > last_day:
        problems.append(Problem("starts_at", TOO_FAR_AHEAD, {"days": room_rules.horizon_days, "last_day": last_day}))
    return problems


def horizon_end(*, now: datetime, horizon_days: int, tz: tzinfo) -> date:
    """The last day that may be booked: today (local) + ``horizon_days``."""
    return now.astimezone(tz).date() + timedelta(days=horizon_days)


def attendee_problems(*, attendees: int, capacity: int) -> list[Problem]:
    """At least one person, and no more than the room holds."""
    if attendees < 1:
        return [Problem("attendees", NO_ATTENDEES)]
    if attendees > capacity:
        return [Problem("attendees", OVER_CAPACITY, {"capacity": capacity})]
    return []


def credit_problems(*, room_type: str, starts_at: datetime, ends_at: datetime, max_hours: int) -> list[Problem]:
    """A free roadshow-hall credit (第八章第一条 合规优秀): the roadshow hall only, ≤ ``max_hours`` per booking."""
    if room_type != ROADSHOW_HALL:
        return [Problem("use_credit", CREDIT_WRONG_ROOM)]
    if minutes_between(starts_at, ends_at) > max_hours * 60:
        return [Problem("use_credit", CREDIT_TOO_LONG, {"hours": max_hours})]
    return []


def release_at(starts_at: datetime, *, release_minutes: int) -> datetime:
    """When an unchecked-in booking is released as a no-show (RULEBOOK §5)."""
    return starts_at + timedelta(minutes=release_minutes)


def check_in_window(
    *, starts_at: datetime, ends_at: datetime, release_minutes: int, by_staff: bool
) -> tuple[datetime, datetime]:
    """[opens, closes) of check-in: from a little before the start; the resident until the release
    time, staff (confirming someone is in the room) until the end."""
    opens = starts_at - timedelta(minutes=CHECK_IN_OPENS_MINUTES_BEFORE)
    closes = ends_at if by_staff else min(release_at(starts_at, release_minutes=release_minutes), ends_at)
    return opens, closes


def may_check_in(
    *, starts_at: datetime, ends_at: datetime, release_minutes: int, by_staff: bool, now: datetime
) -> bool:
    opens, closes = check_in_window(
        starts_at=starts_at, ends_at=ends_at, release_minutes=release_minutes, by_staff=by_staff
    )
    return opens <= now < closes


def may_cancel(*, starts_at: datetime, release_minutes: int, by_staff: bool, now: datetime) -> bool:
    """A resident may cancel a confirmed booking until its release time (freeing the room rather than
    not showing up); staff may cancel a confirmed booking at any time."""
    return by_staff or now < release_at(starts_at, release_minutes=release_minutes)


def may_change(*, starts_at: datetime, now: datetime) -> bool:
    """A confirmed booking can be moved until it starts (the new slot then passes every rule)."""
    return now < starts_at


def day_slots(*, day: date, opens: time, closes: time, slot_minutes: int, tz: tzinfo) -> list[tuple[datetime, datetime]]:
    """The grid of [start, end) slots of ``day`` from opening to closing time (aware, in ``tz``)."""
    slots = []
    current = datetime.combine(day, opens, tzinfo=tz)
    closing = datetime.combine(day, closes, tzinfo=tz)
    step = timedelta(minutes=slot_minutes)
    # Opening at an off-grid time (08:15 with 30-minute slots) starts the grid at the next slot.
    minute_of_day = opens.hour * 60 + opens.minute
    if minute_of_day % slot_minutes:
        current += timedelta(minutes=slot_minutes - minute_of_day % slot_minutes)
    while current + step <= closing:
        slots.append((current, current + step))
        current += step
    return slots


def first_free_run(
    slots: Sequence[tuple[datetime, datetime, bool]], *, not_before: datetime, minutes: int
) -> tuple[datetime, datetime] | None:
    """The earliest [start, end) lasting ``minutes`` made of consecutive free grid slots
    (``(start, end, free)`` in time order), starting at or after ``not_before``; None when there is none.
    What a refused booking suggests instead (第四章第一条: the same length, the next time it fits)."""
    run_start: datetime | None = None
    previous_end: datetime | None = None
    for start, end, free in slots:
        if not free or start < not_before:
            run_start = None
        elif run_start is None or start != previous_end:
            run_start = start
        previous_end = end
        if run_start is not None and minutes_between(run_start, end) >= minutes:
            return run_start, end
    return None
