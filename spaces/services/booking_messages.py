"""How booking services word a slot, a status and a refusal (shared by the services, views and admin), and the
refusal of a taken slot with the next free time (:func:`conflict_error`)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NoReturn

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.core.errors import ConflictError, DomainError
from opc_community.core.moments import format_day
from residents.models import Resident
from spaces.models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    Room,
)
from spaces.rules import bookings as rules
from spaces.selectors import bookings as selectors

#: One sentence per refusal code of spaces.rules.bookings, naming the rule and its article.
MESSAGES = {
    rules.END_BEFORE_START: gettext_lazy("The end time must be after the start time."),
    rules.UNALIGNED: gettext_lazy(
        "Bookings start and end on the %(minutes)s-minute grid (for example 9:00 or 9:30) (Chapter 4, Article 1)."
    ),
    rules.BEFORE_OPENING: gettext_lazy(
        "The %(room_type)s is open from %(opens)s to %(closes)s; a booking cannot start before it opens (Chapter 4, Article 1)."
    ),
    rules.AFTER_CLOSING: gettext_lazy(
        "The %(room_type)s is open from %(opens)s to %(closes)s; a booking must end by closing time (Chapter 4, Article 1)."
    ),
    rules.ACROSS_MIDNIGHT: gettext_lazy(
        "A booking must end on the day it starts, by closing time at %(closes)s (Chapter 4, Article 1)."
    ),
    rules.TOO_LONG: gettext_lazy(
        "A %(room_type)s can be booked for at most %(max_minutes)s minutes at a time (Chapter 4, Article 1)."
    ),
    rules.IN_PAST: gettext_lazy("This time has already passed. Please choose a time in the future."),
    rules.SHORT_NOTICE: gettext_lazy(
        "Book at least %(minutes)s minutes before the start (Chapter 4, Article 1)."
    ),
    rules.TOO_FAR_AHEAD: gettext_lazy(
        "A %(room_type)s can be booked at most %(days)s days ahead, that is up to %(last_day)s (Chapter 4, Article 1)."
    ),
    rules.OVER_CAPACITY: gettext_lazy("%(room)s holds at most %(capacity)s people."),
    rules.NO_ATTENDEES: gettext_lazy("At least one person attends."),
    rules.CREDIT_WRONG_ROOM: gettext_lazy(
        "Free roadshow-hall credits can only be used to book the roadshow hall (Chapter 8, Article 1)."
    ),
    rules.CREDIT_TOO_LONG: gettext_lazy(
        "A free roadshow-hall credit covers at most %(hours)s hours per booking (Chapter 8, Article 1)."
    ),
}


# --- Messages ------------------------------------------------------------------------------------


def _clock(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def format_slot(starts_at: datetime, ends_at: datetime) -> str:
    """“2026年10月8日 09:00–10:00” (local time)."""
    return f"{format_day(starts_at)} {_clock(starts_at)}–{_clock(ends_at)}"


def status_label(status: str) -> str:
    """How a booking's status reads to people. The model's label for ``checked_in`` shares its msgid
    with the resident's status "checked in" (已入驻); for a booking it means 已签到."""
    if status == BookingStatus.CHECKED_IN:
        return _("checked in at the room")
    return str(BookingStatus(status).label)


def problem_message(problem: rules.Problem, *, room: Room) -> str:
    """The Chinese sentence for one refusal of the rules, with the numbers of the rulebook."""
    params = {"room_type": room.get_room_type_display(), "room": room.name}
    for key, value in problem.params.items():
        if key in ("opens", "closes"):
            value = value.strftime("%H:%M")
        elif key == "last_day":
            value = format_day(value)
        params[key] = value
    return str(MESSAGES[problem.code]) % params


def _refuse(problems: Sequence[rules.Problem], *, room: Room) -> NoReturn:
    """Raise one DomainError carrying every problem: the first as the message, all of them by field."""
    errors: dict[str, list[str]] = {}
    for problem in problems:
        errors.setdefault(problem.field, []).append(problem_message(problem, room=room))
    first = problems[0]
    raise DomainError(errors[first.field][0], field=first.field, code=first.code, details={"errors": errors})


def _refuse_one(message: str, *, field: str, code: str = "invalid") -> NoReturn:
    raise DomainError(message, field=field, code=code, details={"errors": {field: [message]}})


def conflict_error(*, room: Room, starts_at: datetime, ends_at: datetime, resident: Resident | None,
              exclude_pk: int | None = None) -> ConflictError:
    """The refusal naming the slot that is taken (the earliest overlapping active booking), not its booker —
    unless it is the resident's own booking, which the message says — and the next free time of the same
    length (``details["suggestion"]``) when there is one within a week (第四章第一条)."""
    taken = (
        Booking.objects.filter(
            room=room, status__in=ACTIVE_BOOKING_STATUSES, starts_at__lt=ends_at, ends_at__gt=starts_at
        )
        .exclude(pk=exclude_pk)
        .order_by("starts_at")
        .values("starts_at", "ends_at", "resident_id")
        .first()
    ) or {"starts_at": starts_at, "ends_at": ends_at, "resident_id": None}
    own = resident is not None and taken["resident_id"] == resident.pk
    suggestion = selectors.next_free_slot(room, starts_at=starts_at, ends_at=ends_at, resident=resident)
    values = {"room": room.name, "slot": format_slot(taken["starts_at"], taken["ends_at"])}
    if suggestion is not None:
        values["next"] = format_slot(*suggestion)
        message = (
            _("You have already booked %(room)s %(slot)s yourself. The next free time of the same length is %(next)s.")
            if own
            else _("%(room)s is already booked %(slot)s. The next free time of the same length is %(next)s.")
        )
    else:
        message = (
            _("You have already booked %(room)s %(slot)s yourself. Please choose another time.")
            if own
            else _("%(room)s is already booked %(slot)s. Please choose another time.")
        )
    details: dict[str, Any] = {
        "conflict": {
            "starts_at": timezone.localtime(taken["starts_at"]).isoformat(),
            "ends_at": timezone.localtime(taken["ends_at"]).isoformat(),
            "own_booking": own,
        }
    }
    if suggestion is not None:
        details["suggestion"] = {"starts_at": timezone.localtime(suggestion[0]).isoformat(),
                                 "ends_at": timezone.localtime(suggestion[1]).isoformat()}
    return ConflictError(message % values, field="starts_at", code="own_booking" if own else None, details=details)
