"""Activities and attendance (活动, RULEBOOK §6; 第六章第一条 维度一): the pure decisions.

No database, no clock: every function takes the moments it compares. The services
and the selectors call these; the tests check every boundary by tables of cases.

Decisions made here (the regulation leaves them open):

- **Registration** is open from publication until the activity starts; a cancelled
  activity takes none. Cancelling one's registration is possible until the start.
- **Check-in window** (签到): from :data:`CHECKIN_OPENS_BEFORE` before the start until
  the end of the activity (``[starts_at - 30 min, ends_at)``): early arrivals can be
  checked in at the door, nobody is checked in after the activity is over. It is an
  operating decision of the community, not a number of the regulation.
- **Walk-ins** (not registered): checked in as long as the people registered or
  already checked in leave a place (a registered resident's place stays reserved).
- **Expected** (RULEBOOK §6 decision): an activity marked "counts for attendance",
  not cancelled, held (``starts_at``) while the resident was checked in: checked in at
  or before the start, and not exited before the activity's day (Asia/Shanghai).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from enum import StrEnum
from urllib.parse import parse_qs, urlsplit

from opc_community.rulebook.schema import Band
from residents.models import ResidentStatus

#: Check-in opens this long before the start (an operating decision, see the module's docstring).
CHECKIN_OPENS_BEFORE = timedelta(minutes=30)

#: The query parameter that carries a personal check-in code in the URL of the QR code.
CODE_PARAMETER = "code"

#: Residents who take part in the community's life (checked in, or checked in and exiting).
PRESENT = (ResidentStatus.ACTIVE, ResidentStatus.EXITING)


# --- Registration --------------------------------------------------------------------------------


class Refusal(StrEnum):
    """Why a registration, a cancellation or a check-in is refused (services turn these into sentences)."""

    CANCELLED = "cancelled"
    STARTED = "started"
    FULL = "full"
    NOT_YET = "not_yet"
    OVER = "over"


def registration_refusal(
    *, starts_at: datetime, cancelled: bool, taken: int, capacity: int, now: datetime
) -> Refusal | None:
    """Whether a new registration is refused: cancelled, already started, or every place taken."""
    if cancelled:
        return Refusal.CANCELLED
    if now >= starts_at:
        return Refusal.STARTED
    if taken >= capacity:
        return Refusal.FULL
    return None


def unregistration_refusal(*, starts_at: datetime, cancelled: bool, now: datetime) -> Refusal | None:
    """Cancelling one's registration: possible until the start (afterwards it is history)."""
    if cancelled:
        return Refusal.CANCELLED
    if now >= starts_at:
        return Refusal.STARTED
    return None


def places_left(*, capacity: int, taken: int) -> int:
    return max(capacity - taken, 0)


# --- Check-in ------------------------------------------------------------------------------------


class Window(StrEnum):
    """Where an activity stands for check-in."""

    NOT_YET = "not_yet"
    OPEN = "open"
    OVER = "over"
    CANCELLED = "cancelled"


def checkin_opens_at(starts_at: datetime) -> datetime:
    return starts_at - CHECKIN_OPENS_BEFORE


def checkin_window(*, starts_at: datetime, ends_at: datetime, cancelled: bool, now: datetime) -> Window:
    """``[starts_at - 30 min, ends_at)``: open; before: not yet; from the end on: over."""
    if cancelled:
        return Window.CANCELLED
    if now < checkin_opens_at(starts_at):
        return Window.NOT_YET
    if now >= ends_at:
        return Window.OVER
    return Window.OPEN


def walk_in_refusal(*, capacity: int, holding_a_place: int) -> Refusal | None:
    """A resident who did not register: refused when registrations and check-ins fill every place.

    ``holding_a_place`` counts the distinct residents registered (not cancelled) or checked in.
    """
    return Refusal.FULL if holding_a_place >= capacity else None


# --- Activity data ---------------------------------------------------------------------------------


class Problem(StrEnum):
    """What is wrong with an activity's data (field by field)."""

    NO_TITLE = "no_title"
    NO_PLACE = "no_place"
    END_BEFORE_START = "end_before_start"
    IN_PAST = "in_past"
    STARTED = "started"
    NO_CAPACITY = "no_capacity"
    BELOW_REGISTERED = "below_registered"


#: The field each problem belongs to.
PROBLEM_FIELDS = {
    Problem.NO_TITLE: "title",
    Problem.NO_PLACE: "place",
    Problem.END_BEFORE_START: "ends_at",
    Problem.IN_PAST: "starts_at",
    Problem.STARTED: "starts_at",
    Problem.NO_CAPACITY: "capacity",
    Problem.BELOW_REGISTERED: "capacity",
}


def activity_problems(
    *,
    title: str,
    place: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    capacity: int | None,
    registered: int,
    now: datetime,
    original_starts_at: datetime | None = None,
) -> list[Problem]:
    """Every problem of an activity's data; ``registered`` is the number of live registrations.

    ``original_starts_at``: the start time of an existing activity. Keeping it is always fine (an
    activity that has started can still have its place or description corrected); moving it is
    refused once the activity has started, and into the past.
    """
    start_changed = starts_at != original_starts_at
    problems = []
    if not (title or "").strip():
        problems.append(Problem.NO_TITLE)
    if not (place or "").strip():
        problems.append(Problem.NO_PLACE)
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        problems.append(Problem.END_BEFORE_START)
    if start_changed and original_starts_at is not None and original_starts_at <= now:
        problems.append(Problem.STARTED)
    elif start_changed and starts_at is not None and starts_at <= now:
        problems.append(Problem.IN_PAST)
    if capacity is None or capacity < 1:
        problems.append(Problem.NO_CAPACITY)
    elif capacity < registered:
        problems.append(Problem.BELOW_REGISTERED)
    return problems


# --- Participation (第六章第一条 维度一) ---------------------------------------------------------------


def is_expected(
    *,
    counts_for_attendance: bool,
    cancelled: bool,
    starts_at: datetime,
    checked_in_at: datetime | None,
    exited_on: date | None,
    tz: tzinfo,
) -> bool:
    """Whether a resident was expected at an activity (the RULEBOOK §6 decision).

    The selectors compute the same in SQL for a whole quarter at once; the tests hold both
    to this definition.
    """
    if not counts_for_attendance or cancelled or checked_in_at is None:
        return False
    if checked_in_at > starts_at:
        return False
    return exited_on is None or starts_at.astimezone(tz).date() <= exited_on


def participation_percent(*, attended: int, expected: int) -> Decimal | None:
    """attended ÷ expected in %, for display (one decimal); None when nothing was expected.

    The score itself is computed exactly by ``scoring.rules`` (no rounding before banding).
    """
    if expected == 0:
        return None
    return (Decimal(attended) * 100 / Decimal(expected)).quantize(Decimal("0.1"))


# --- Personal check-in codes --------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeParts:
    """A personal check-in code taken apart (nothing verified yet: the signature is checked by the service)."""

    activity_id: int
    resident_id: int
    expires: int  # Unix time
    signed: str  # the whole signed value, as the signer gives it back


def code_value(*, activity_id: int, resident_id: int, expires: int) -> str:
    """What is signed: ``<activity>.<resident>.<expiry>``."""
    return f"{activity_id}.{resident_id}.{expires}"


def parse_code(text: str, *, separator: str = ":") -> CodeParts | None:
    """The code from what a scanner or a camera app hands over: the code itself or the URL holding it.

    ``separator`` is the signer's (``django.core.signing``: ``:``). Anything else → None.
    """
    text = (text or "").strip()
    if "://" in text or text.startswith("/"):
        values = parse_qs(urlsplit(text).query).get(CODE_PARAMETER)
        if not values:
            return None
        text = values[0].strip()
    value, sep, signature = text.rpartition(separator)
    if not sep or not signature:
        return None
    pieces = value.split(".")
    if len(pieces) != 3 or not all(piece.isdigit() and len(piece) <= 12 for piece in pieces):
        return None
    activity_id, resident_id, expires = (int(piece) for piece in pieces)
    return CodeParts(activity_id=activity_id, resident_id=resident_id, expires=expires, signed=text)


def band_lines(bands: Sequence[Band], *, unit: str = "%") -> list[tuple[str, int]]:
    """The bands of a rate dimension as (range, points), highest first: ``(">80%", 10), ("60%–80%", 5), ("<60%", 0)``.

    Read from the rulebook's data (``scoring.participation.bands``), never from constants.
    """
    lines = []
    upper = None
    for band in bands:
        if band.min is None:
            text = f"<{_num(upper)}{unit}" if upper is not None else "—"
        elif upper is None:
            text = f"{'≥' if band.min_inclusive else '>'}{_num(band.min)}{unit}"
        else:
            text = f"{_num(band.min)}{unit}–{_num(upper)}{unit}"
        lines.append((text, band.points))
        upper = band.min
    return lines


def _num(value: Decimal | None) -> str:
    return format(Decimal(value).normalize(), "f") if value is not None else ""
