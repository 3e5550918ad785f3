"""How booking services word a slot, a status and a refusal (shared by the services, views and admin)."""

from collections.abc import Sequence
from datetime import datetime
from typing import NoReturn

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.core.errors import DomainError
from opc_community.core.moments import format_day
from spaces.models import (
    BookingStatus,
    Room,
)
from spaces.rules import bookings as rules

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


