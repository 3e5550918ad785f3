"""Room bookings (第四章第一条 公共空间预约使用制度; RULEBOOK §5): create, change, cancel, check in,
release no-shows; free roadshow-hall credits (第八章第一条).

Every path checks who books (a checked-in resident, not suspended from public spaces), the
room (open for booking, big enough) and the slot against the rulebook version in force on
the booked day (spaces.rules.bookings). Whether the slot is free is the database's answer:
the ``booking_no_overlap`` exclusion constraint refuses an overlapping active booking, however
many requests arrive at once; the refusal becomes a :class:`ConflictError` naming the taken
slot (never who took it), inside a savepoint so that the caller's transaction survives.

Credits are a ledger (``RoadshowCredit``): a grant adds, a booking that uses one subtracts,
cancelling that booking gives it back. Uses and returns run under a lock on the resident,
so the balance is never negative. A no-show keeps its credit used.
"""

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community import rulebook
from opc_community.accounts.actors import Actor
from opc_community.core.audit import acting_as
from opc_community.core.errors import DomainError
from opc_community.core.i18n import StoredText
from opc_community.core.moments import format_day
from opc_community.core.transitions import move
from opc_community.portal.services import notify
from opc_community.rulebook.models import RulebookVersion
from opc_community.rulebook.schema import Rulebook
from residents import guards
from residents.models import Resident, ResidentStatus
from spaces.models import (
    BOOKING_TRANSITIONS,
    Booking,
    BookingStatus,
    Permit,
    RequestStatus,
    Room,
)
from spaces.rules import bookings as rules
from spaces.services.booking_messages import (
    _clock,
    _refuse,
    _refuse_one,
    conflict_error,
    format_slot,
)
from spaces.services.credits import (
    _balance,
    _lock_resident,
    _return_credit,
    _use_credit,
)

T = TypeVar("T")

#: SQLSTATEs the insert can meet: the exclusion constraint, and the deadlock two concurrent
#: inserts of overlapping rows may run into (each waiting for the other's open row).
EXCLUSION_VIOLATION = "23P01"
DEADLOCK_DETECTED = "40P01"
#: Attempts after a deadlock: the survivor of a deadlock commits, so a retry meets its row.
DEADLOCK_RETRIES = 3

PURPOSE_MAX_LENGTH = Booking._meta.get_field("purpose").max_length
REASON_MAX_LENGTH = Booking._meta.get_field("cancel_reason").max_length



# --- Rulebook ------------------------------------------------------------------------------------


#: Parsed rules by (version id, last update), filled on first use. Adopted versions never change
#: (a database trigger guards their body), so an entry never goes stale.
_RULES: dict[tuple[int, datetime], Rulebook] = {}


def _versions_in_force(day: date) -> QuerySet[RulebookVersion]:
    return RulebookVersion.objects.filter(status=RulebookVersion.Status.ADOPTED, effective_from__lte=day).order_by(
        "-effective_from"
    )


def _parsed(key: tuple[int, datetime] | None, day: date) -> Rulebook:
    """The parsed rules of the version ``key`` (id, last update), parsed the first time this process meets it."""
    if key is None or key not in _RULES:
        rules_in_force = rulebook.in_force(on=day)  # raises the usual refusal when no version is in force
        if key is None:
            return rules_in_force
        _RULES[key] = rules_in_force
    return _RULES[key]


def booking_rules(starts_at: datetime) -> Rulebook:
    """The rules of the rulebook version in force on the booked day.

    The hot path of every booking: one light query for the version's id and last update (not its
    body, whose JSON would be decoded on every call); the body is read and parsed only the first
    time this process meets the version, so a newly adopted version is used from its first day on.
    """
    day = timezone.localdate(starts_at)
    return _parsed(_versions_in_force(day).values_list("pk", "updated_at").first(), day)


def _rules_and_guards(resident: Resident, starts_at: datetime, *, now: datetime) -> Rulebook:
    """:func:`booking_rules` and the resident checks in one query: the version in force and whether a
    guard (a suspension, RULEBOOK §5 / §9) may refuse the booking; the guards are asked for their
    refusal only then."""
    day = timezone.localdate(starts_at)
    row = (
        _versions_in_force(day)
        .annotate(blocked=guards.may_refuse(resident.pk, guards.Action.BOOK_ROOM, at=now))
        .values_list("pk", "updated_at", "blocked")
        .first()
    )
    _check_status(resident)
    if row is None or row[2]:
        _check_guards(resident, now=now)
    return _parsed(row[:2] if row is not None else None, day)


def _lock(booking: Booking) -> Booking:
    """The booking re-read ``FOR UPDATE`` (its row only) with its resident and room."""
    return Booking.objects.select_for_update(no_key=True, of=("self",)).select_related("resident", "room").get(pk=booking.pk)


def _by_staff(booking: Booking, actor: Actor | None) -> bool:
    """Anyone but the resident's own account acting on a booking is staff (views and API decide who may)."""
    return booking.resident is None or getattr(actor, "pk", None) != booking.resident.user_id


# --- Checks every booking path makes ---------------------------------------------------------


def _check_status(resident: Resident) -> None:
    if resident.status not in (ResidentStatus.ACTIVE, ResidentStatus.EXITING):
        _refuse_one(
            _("Only checked-in residents can book rooms (Chapter 4, Article 1)."), field="resident", code="not_checked_in"
        )


def _check_guards(resident: Resident, *, now: datetime) -> None:
    # RULEBOOK §5 / §9: a suspension covering room bookings (public spaces, community) refuses it.
    refusal = guards.refusal(resident, guards.Action.BOOK_ROOM, at=now)
    if refusal is not None:
        _refuse_one(refusal.message, field="resident", code=refusal.code)


def _check_room(room: Room) -> None:
    if not room.is_active:
        _refuse_one(_("%(room)s is not open for booking.") % {"room": room.name}, field="room", code="room_closed")


def _check_permit(permit: Permit | None, *, resident: Resident) -> None:
    if permit is None:
        return
    if permit.resident_id != resident.pk or permit.status != RequestStatus.APPROVED:
        _refuse_one(
            _("Only an approved event permit of your own can reserve a room (Chapter 4, Article 3)."),
            field="permit",
            code="permit_not_approved",
        )


def _clean_purpose(purpose: str) -> str:
    purpose = (purpose or "").strip()
    if not purpose:
        _refuse_one(_("Please say what the room is for."), field="purpose", code="required")
    if len(purpose) > PURPOSE_MAX_LENGTH:
        _refuse_one(
            _("The purpose can be at most %(max)s characters.") % {"max": PURPOSE_MAX_LENGTH},
            field="purpose",
            code="max_length",
        )
    return purpose


def _slot_checks(
    *,
    room: Room,
    starts_at: datetime,
    ends_at: datetime,
    attendees: int,
    use_credit: bool,
    rules_in_force: Any,
    now: datetime,
) -> None:
    booking_section = rules_in_force.booking
    problems = rules.slot_problems(
        starts_at=starts_at,
        ends_at=ends_at,
        room_rules=booking_section.room_types[room.room_type],
        slot_minutes=booking_section.slot_minutes,
        now=now,
        tz=timezone.get_default_timezone(),
    )
    problems += rules.attendee_problems(attendees=attendees, capacity=room.capacity)
    if use_credit:
        problems += rules.credit_problems(
            room_type=room.room_type,
            starts_at=starts_at,
            ends_at=ends_at,
            max_hours=rules_in_force.rewards.compliance_excellence.roadshow_credit_max_hours,
        )
    if problems:
        _refuse(problems, room=room)


# --- The insert/update the database referees ------------------------------------------------------


def _sqlstate(error: Exception) -> str | None:
    return getattr(error.__cause__, "sqlstate", None)


def _refereed(call: Callable[[], T], *, room: Room, starts_at: datetime, ends_at: datetime,
              resident: Resident | None = None, exclude_pk: int | None = None) -> T:
    """Run ``call`` (a service step in its own ``transaction.atomic``); an overlap the database refuses
    becomes a ConflictError naming the taken slot (:func:`booking_messages.conflict_error`).

    The step's atomic block is the savepoint: nested in a caller's transaction, only the step is
    rolled back and the caller's transaction stays usable; on its own it is the whole (short)
    transaction, and no extra savepoint round trip is spent. The taken slot is looked up after the
    rollback. Two transactions inserting overlapping rows at the same moment can each wait for the
    other (PostgreSQL checks exclusion constraints after the row is in): the deadlock detector aborts
    one, the other goes on; the aborted one runs the step again and meets the survivor's row.
    """
    for attempt in range(DEADLOCK_RETRIES + 1):
        try:
            return call()
        except IntegrityError as error:
            if _sqlstate(error) == EXCLUSION_VIOLATION:
                raise conflict_error(room=room, starts_at=starts_at, ends_at=ends_at, resident=resident,
                                exclude_pk=exclude_pk) from error
            raise
        except OperationalError as error:
            if _sqlstate(error) != DEADLOCK_DETECTED:
                raise
            if attempt == DEADLOCK_RETRIES:
                raise conflict_error(room=room, starts_at=starts_at, ends_at=ends_at, resident=resident,
                                exclude_pk=exclude_pk) from error
    raise AssertionError("unreachable")  # pragma: no cover


# --- Create, change, cancel, check in ------------------------------------------------------------------


def booking_create(
    *,
    resident: Resident,
    room: Room,
    starts_at: datetime,
    ends_at: datetime,
    purpose: str,
    attendees: int,
    actor: Actor,
    use_credit: bool = False,
    permit: Permit | None = None,
) -> Booking:
    """Book ``room`` for [starts_at, ends_at) (第四章第一条); one transaction (a savepoint when the
    caller has one open).

    Refused with a DomainError (field and Chinese message; ``details["errors"]`` lists every
    problem by field) when the resident is not checked in or is suspended from public spaces,
    the room is closed or too small, the slot breaks a rule of the rulebook, or a credit cannot
    be used; with a ConflictError (HTTP 409) naming the taken slot when it overlaps an active
    booking. Nothing is written when it is refused.
    """

    @transaction.atomic
    def create() -> Booking:
        now = timezone.now()
        rules_in_force = _rules_and_guards(resident, starts_at, now=now)  # the one query before the INSERT
        _check_room(room)
        clean_purpose = _clean_purpose(purpose)
        _slot_checks(
            room=room, starts_at=starts_at, ends_at=ends_at, attendees=attendees, use_credit=use_credit,
            rules_in_force=rules_in_force, now=now,
        )
        _check_permit(permit, resident=resident)
        if use_credit:
            _lock_resident(resident)
            if _balance(resident) < 1:
                _refuse_one(
                    _("You have no free roadshow-hall credit left (Chapter 8, Article 1)."), field="use_credit",
                    code="no_credit",
                )
        with acting_as(actor, action="spaces.booking_create"):
            booking = Booking.objects.create(
                room=room, resident=resident, booked_by=actor, starts_at=starts_at, ends_at=ends_at,
                purpose=clean_purpose, attendees=attendees, uses_credit=use_credit, permit=permit,
            )
            if use_credit:
                _use_credit(booking=booking, actor=actor)
        return booking

    return _refereed(create, room=room, starts_at=starts_at, ends_at=ends_at, resident=resident)


def community_booking_create(
    *, room: Room, starts_at: datetime, ends_at: datetime, purpose: str, attendees: int, actor: Actor
) -> Booking:
    """Reserve ``room`` for a community activity (第五章 活动; no resident): the room, the slot rules of
    the rulebook and the overlap guard are those of every booking (第四章第一条). Staff only — the
    caller (``resources.services.activities.activity_room_reserve``) decides who may. Not released as a
    no-show: attendance is recorded on the activity."""

    @transaction.atomic
    def create() -> Booking:
        now = timezone.now()
        _check_room(room)
        clean_purpose = _clean_purpose(purpose)
        _slot_checks(
            room=room, starts_at=starts_at, ends_at=ends_at, attendees=attendees, use_credit=False,
            rules_in_force=booking_rules(starts_at), now=now,
        )
        with acting_as(actor, action="spaces.community_booking_create"):
            return Booking.objects.create(
                room=room, resident=None, booked_by=actor, starts_at=starts_at, ends_at=ends_at,
                purpose=clean_purpose, attendees=attendees,
            )

    return _refereed(create, room=room, starts_at=starts_at, ends_at=ends_at, resident=None)


def booking_change(
    *,
    booking: Booking,
    starts_at: datetime,
    ends_at: datetime,
    actor: Actor,
    attendees: int | None = None,
    purpose: str | None = None,
) -> Booking:
    """Move a confirmed booking that has not started to another slot of the same room (same checks
    as a new booking; a used credit stays with it and must still cover the length). One transaction
    (a savepoint in the caller's); a taken slot is a ConflictError and the booking keeps its time."""

    @transaction.atomic
    def change() -> Booking:
        locked = _lock(booking)
        now = timezone.now()
        if locked.status != BookingStatus.CONFIRMED:
            raise DomainError(
                _("Only a confirmed booking can be changed; this one is “%(status)s”.")
                % {"status": locked.get_status_display()},
                code="invalid_transition",
            )
        if not rules.may_change(starts_at=locked.starts_at, now=now):
            raise DomainError(_("A booking that has started can no longer be changed."), field="starts_at")
        resident, room = locked.resident, locked.room
        if resident is None:
            raise DomainError(
                _("A community booking moves with its activity: change the activity's reservation instead."),
                code="community_booking",
            )
        rules_in_force = _rules_and_guards(resident, starts_at, now=now)
        _check_room(room)
        new_attendees = locked.attendees if attendees is None else attendees
        new_purpose = locked.purpose if purpose is None else _clean_purpose(purpose)
        _slot_checks(
            room=room, starts_at=starts_at, ends_at=ends_at, attendees=new_attendees,
            use_credit=locked.uses_credit, rules_in_force=rules_in_force, now=now,
        )
        with acting_as(actor, action="spaces.booking_change"):
            Booking.objects.filter(pk=locked.pk, status=BookingStatus.CONFIRMED).update(
                starts_at=starts_at, ends_at=ends_at, attendees=new_attendees, purpose=new_purpose
            )
        locked.starts_at, locked.ends_at, locked.attendees, locked.purpose = (
            starts_at, ends_at, new_attendees, new_purpose)
        if _by_staff(locked, actor):
            _tell_resident(
                locked,
                title=lambda: _("Your booking was changed"),
                body=lambda: _("The community staff moved your booking of %(room)s to %(slot)s.")
                % {"room": room.name, "slot": format_slot(starts_at, ends_at)},
                kind="spaces.booking_changed",
            )
        return locked

    return _refereed(change, room=booking.room, starts_at=starts_at, ends_at=ends_at, resident=booking.resident,
                     exclude_pk=booking.pk)


@transaction.atomic
def booking_cancel(*, booking: Booking, actor: Actor | None, reason: str = "") -> Booking:
    """Cancel a confirmed booking: the slot is free again and a used credit comes back.

    The resident may cancel until the release time (rather than not turning up); staff any time,
    with a reason the resident is told.
    """
    booking = _lock(booking)
    now = timezone.now()
    by_staff = _by_staff(booking, actor)
    release_minutes = booking_rules(booking.starts_at).booking.no_show_release_minutes
    if booking.status == BookingStatus.CONFIRMED and not rules.may_cancel(
        starts_at=booking.starts_at, release_minutes=release_minutes, by_staff=by_staff, now=now
    ):
        raise DomainError(
            _("This booking can no longer be cancelled: it is past its release time."), code="too_late"
        )
    reason = (reason or "").strip()[:REASON_MAX_LENGTH]
    with acting_as(actor, action="spaces.booking_cancel"):
        booking = move(
            booking, BookingStatus.CANCELLED, transitions=BOOKING_TRANSITIONS, cancelled_at=now, cancelled_by=actor,
            cancel_reason=reason,
        )
        _return_credit(booking=booking, actor=actor)
    if by_staff:
        _tell_resident(
            booking,
            title=lambda: _("Your booking was cancelled"),
            body=lambda: _("The community staff cancelled your booking of %(room)s, %(slot)s. Reason: %(reason)s")
            % {
                "room": booking.room.name,
                "slot": format_slot(booking.starts_at, booking.ends_at),
                "reason": reason or _("not given"),
            },
            kind="spaces.booking_cancelled",
        )
    return booking


@transaction.atomic
def booking_check_in(*, booking: Booking, actor: Actor) -> Booking:
    """Check in at the room: by the resident from shortly before the start until the release time,
    by staff until the end. A checked-in booking is never released as a no-show."""
    booking = _lock(booking)
    now = timezone.now()
    by_staff = _by_staff(booking, actor)
    release_minutes = booking_rules(booking.starts_at).booking.no_show_release_minutes
    if booking.status == BookingStatus.CONFIRMED and not rules.may_check_in(
        starts_at=booking.starts_at, ends_at=booking.ends_at, release_minutes=release_minutes, by_staff=by_staff,
        now=now,
    ):
        opens, closes = rules.check_in_window(
            starts_at=booking.starts_at, ends_at=booking.ends_at, release_minutes=release_minutes, by_staff=by_staff
        )
        raise DomainError(
            _("Check-in is open from %(opens)s to %(closes)s on %(day)s; unchecked-in bookings are released %(minutes)s minutes after the start (Chapter 4, Article 1).")
            % {"opens": _clock(opens), "closes": _clock(closes), "day": format_day(opens), "minutes": release_minutes},
            code="check_in_closed",
        )
    with acting_as(actor, action="spaces.booking_check_in"):
        return move(
            booking, BookingStatus.CHECKED_IN, transitions=BOOKING_TRANSITIONS, checked_in_at=now,
            checked_in_by=actor,
        )



def _tell_resident(booking: Booking, *, title: StoredText, body: StoredText, kind: str) -> None:
    if booking.resident is None:  # a community booking: the activity's services tell its participants
        return
    notify(
        recipients=[booking.resident.user],
        title=title,
        body=body,
        link=reverse("spaces:booking_detail", args=[booking.pk]),
        kind=kind,
        dedupe_key=f"{kind}:{booking.pk}:{booking.starts_at.isoformat()}",
    )


