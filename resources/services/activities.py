"""Activities and attendance (活动, RULEBOOK §6): every state change.

Who does what:

- the resources team (资源赋能组) and the administrator ("managers") create, change and
  cancel activities and check residents in — from the registration list (one tap), by
  adding a walk-in, or by scanning the personal QR code on the resident's phone;
- a checked-in resident registers for an activity and cancels the registration, in the
  portal or the API (only for itself);
- everyone else reads at most (oversight: everything; the daily management team: nothing
  here, activities are the resources team's work, 第二章).

Capacity holds under concurrency: every registration and check-in locks the activity's
row first (``SELECT … FOR UPDATE``), so two requests for the last place are served one
after the other and the second one sees the first one's registration. Attendance is
unique per (activity, resident) in the database; checking in twice is a no-op that says
when the first check-in happened.

A personal check-in code (the QR code the resident shows) is ``<activity>.<resident>.<expiry>``
signed with the project's secret key and the activity's own random ``checkin_token``
(``django.core.signing``): it cannot be forged or moved to another resident or activity,
it expires when the activity ends, and replacing the activity's token voids every code.

Decisions on windows and walk-ins are in :mod:`resources.rules.activities`.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.accounts.actors import Actor
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.core.i18n import StoredText
from opc_community.core.moments import format_moment
from opc_community.portal.services import notify
from residents.guards import Action, ensure_allowed
from residents.models import Resident
from resources.models import Activity, ActivityKind, ActivityRegistration, Attendance, CheckInMethod
from resources.rules import activities as rules
from spaces.models import ACTIVE_BOOKING_STATUSES, Booking, BookingStatus, Room
from spaces.services import bookings as booking_services

#: Who runs activities (第二章: 资源赋能组; the administrator runs everything).
MANAGERS = (Role.RESOURCES, Role.ADMINISTRATOR)
#: Who may read every activity, registration and attendance record (oversight reads everything).
READERS = (*MANAGERS, Role.OVERSIGHT)


#: The fields of an activity staff may set.
EDITABLE = ("title", "kind", "description", "starts_at", "ends_at", "place", "capacity", "counts_for_attendance")

REASON_MAX_LENGTH = 500

#: One sentence per problem of an activity's data (resources.rules.activities.Problem).
PROBLEM_MESSAGES = {
    rules.Problem.NO_TITLE: gettext_lazy("Please give the activity a title."),
    rules.Problem.NO_PLACE: gettext_lazy("Please say where the activity takes place."),
    rules.Problem.END_BEFORE_START: gettext_lazy("The end time must be after the start time."),
    rules.Problem.IN_PAST: gettext_lazy("This time has already passed. Please choose a time in the future."),
    rules.Problem.STARTED: gettext_lazy("The activity has started: its start time can no longer change."),
    rules.Problem.NO_CAPACITY: gettext_lazy("An activity holds at least one person."),
    rules.Problem.BELOW_REGISTERED: gettext_lazy(
        "%(registered)s residents have registered: the capacity cannot be lower than that."
    ),
}

#: Attendance counts in the quarterly score (第六章第一条): nobody records or removes their own.
OWN_ATTENDANCE = gettext_lazy("attendance of your own account (it counts in your score)")


def is_manager(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False)) and has_role(user, *MANAGERS)


def is_reader(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False)) and has_role(user, *READERS)


def new_checkin_token() -> str:
    """The activity's random key for its personal check-in codes (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


# --- Refusals -------------------------------------------------------------------------------------


def _refuse(message: Any, *, field: str | None = None, code: str = "invalid") -> NoReturn:
    raise DomainError(message, field=field, code=code)


def _ensure_manager(actor: Actor) -> None:
    if not is_manager(actor):
        _refuse(
            _("Only the resources team or the administrator runs activities and checks residents in."),
            code="not_allowed",
        )


def problem_errors(problems: list[rules.Problem], *, registered: int) -> dict[str, list[str]]:
    """The problems as Chinese messages by field (forms put each next to its field)."""
    errors: dict[str, list[str]] = {}
    for problem in problems:
        message = str(PROBLEM_MESSAGES[problem]) % {"registered": registered}
        errors.setdefault(rules.PROBLEM_FIELDS[problem], []).append(message)
    return errors


def _check_data(problems: list[rules.Problem], *, registered: int) -> None:
    if problems:
        errors = problem_errors(problems, registered=registered)
        field, messages = next(iter(errors.items()))
        raise DomainError(messages[0], field=field, details={"errors": errors})


def _clean_kind(kind: str) -> str:
    if kind not in ActivityKind.values:
        _refuse(_("Choose the kind of activity: training, salon, roadshow or matchmaking session."), field="kind")
    return kind


def _live_registrations(activity: Activity) -> Any:
    return ActivityRegistration.objects.filter(activity=activity, cancelled_at__isnull=True)


def _lock(activity: Activity) -> Activity:
    """The activity's row, locked until the end of the transaction (capacity and check-in decisions)."""
    return Activity.objects.select_for_update().get(pk=activity.pk)


# --- Activities (staff) --------------------------------------------------------------------------------


@transaction.atomic
def activity_create(
    *,
    title: str,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    place: str,
    capacity: int,
    counts_for_attendance: bool = True,
    description: str = "",
    actor: Actor,
) -> Activity:
    """Publish an activity (training, salon, roadshow, matchmaking session) for residents to register.

    ``place`` is where it happens, in words (a room of the community or elsewhere); see the
    lead's note in the report on reserving a room through ``spaces`` bookings.
    """
    _ensure_manager(actor)
    kind = _clean_kind(kind)
    _check_data(
        rules.activity_problems(
            title=title, place=place, starts_at=starts_at, ends_at=ends_at, capacity=capacity, registered=0,
            now=timezone.now(),
        ),
        registered=0,
    )
    with acting_as(actor, action="resources.activity_create"):
        return Activity.objects.create(
            title=title.strip(), kind=kind, description=(description or "").strip(), starts_at=starts_at,
            ends_at=ends_at, place=place.strip(), capacity=capacity, counts_for_attendance=counts_for_attendance,
            checkin_token=new_checkin_token(), created_by=actor,
        )


@transaction.atomic
def activity_update(*, activity: Activity, actor: Actor, **changes: Any) -> Activity:
    """Change an activity's data before it is over; the registered residents are told when the
    time or the place changes. A cancelled or finished activity is history and stays as it was."""
    _ensure_manager(actor)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    activity = _lock(activity)
    now = timezone.now()
    if activity.cancelled_at is not None:
        raise InvalidTransition(_("This activity was cancelled; it can no longer be changed."))
    if activity.ends_at <= now:
        raise InvalidTransition(_("This activity is over; its record can no longer be changed."))
    if "kind" in changes:
        _clean_kind(changes["kind"])
    new = {field: changes.get(field, getattr(activity, field)) for field in EDITABLE}
    registered = _live_registrations(activity).count()
    _check_data(
        rules.activity_problems(
            title=new["title"], place=new["place"], starts_at=new["starts_at"], ends_at=new["ends_at"],
            capacity=new["capacity"], registered=registered, now=now,
            original_starts_at=activity.starts_at,
        ),
        registered=registered,
    )
    if _reserved(activity) and (new["starts_at"], new["ends_at"]) != (activity.starts_at, activity.ends_at):
        _refuse(
            _("A room is reserved for this activity at its current time: release the room first, then change "
              "the time and reserve again."),
            field="starts_at",
        )
    moved = (new["starts_at"], new["ends_at"], new["place"].strip()) != (
        activity.starts_at, activity.ends_at, activity.place
    )
    for field, value in new.items():
        setattr(activity, field, value.strip() if isinstance(value, str) else value)
    with acting_as(actor, action="resources.activity_update"):
        activity.save(update_fields=list(EDITABLE))
    if moved:
        _tell_registered(
            activity,
            title=lambda: _("Activity changed: %(title)s") % {"title": activity.title},
            body=lambda: _("“%(title)s” now takes place %(when)s at %(place)s. Your registration stands.")
            % {"title": activity.title, "when": format_moment(activity.starts_at), "place": activity.place},
            kind="resources.activity_changed",
        )
    return activity


@transaction.atomic
def activity_cancel(*, activity: Activity, reason: str, actor: Actor) -> Activity:
    """Cancel an activity that is not over yet, with a reason the registered residents receive.

    A cancelled activity is never expected of anyone (第六章第一条: it does not count).
    """
    _ensure_manager(actor)
    reason = (reason or "").strip()
    if not reason:
        _refuse(_("Please give the reason for the cancellation: the registered residents receive it."), field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        _refuse(_("The reason can be at most %(max)s characters.") % {"max": REASON_MAX_LENGTH}, field="reason")
    activity = _lock(activity)
    if activity.cancelled_at is not None:
        raise InvalidTransition(_("This activity was already cancelled."))
    if activity.ends_at <= timezone.now():
        raise InvalidTransition(_("This activity is over; it can no longer be cancelled."))
    with acting_as(actor, action="resources.activity_cancel", reason=reason):
        activity.cancelled_at = timezone.now()
        activity.save(update_fields=["cancelled_at"])
    booking = confirmed_room_booking(activity)
    if booking is not None:
        booking_services.booking_cancel(booking=booking, actor=actor, reason=reason)  # the room is free again
    _tell_registered(
        activity,
        title=lambda: _("Activity cancelled: %(title)s") % {"title": activity.title},
        body=lambda: _("“%(title)s” (%(when)s) is cancelled. Reason: %(reason)s")
        % {"title": activity.title, "when": format_moment(activity.starts_at), "reason": reason},
        kind="resources.activity_cancelled",
    )
    return activity


# --- The activity's room (第四章第一条: through the booking rules) -------------------------------------


def _reserved(activity: Activity) -> bool:
    """The activity holds its room (confirmed, or already in use): its time cannot move."""
    return activity.booking is not None and activity.booking.status in ACTIVE_BOOKING_STATUSES


def confirmed_room_booking(activity: Activity) -> Booking | None:
    """The activity's room booking while nobody has used it yet: it can still be given back, and the
    first check-in at the door checks it in."""
    booking = activity.booking
    return booking if booking is not None and booking.status == BookingStatus.CONFIRMED else None


@transaction.atomic
def activity_room_reserve(*, activity: Activity, room: Room, actor: Actor) -> Activity:
    """Reserve ``room`` for the activity's whole time as a community booking: the rulebook's slot
    rules and the overlap guard of every booking apply (a taken slot is a ConflictError naming it).
    The activity's place becomes the room."""
    _ensure_manager(actor)
    activity = _lock(activity)
    if activity.cancelled_at is not None:
        raise InvalidTransition(_("This activity was cancelled; it needs no room."))
    if activity.ends_at <= timezone.now():
        raise InvalidTransition(_("This activity is over; it can no longer reserve a room."))
    if _reserved(activity):
        _refuse(_("%(room)s is already reserved for this activity: release it first to choose another room.")
                % {"room": activity.booking.room.name}, field="room")
    booking = booking_services.community_booking_create(
        room=room, starts_at=activity.starts_at, ends_at=activity.ends_at, purpose=activity.title[:200],
        attendees=activity.capacity, actor=actor,
    )
    with acting_as(actor, action="resources.activity_room_reserve"):
        activity.booking, activity.place = booking, room.name
        activity.save(update_fields=["booking", "place"])
    return activity


@transaction.atomic
def activity_room_release(*, activity: Activity, actor: Actor) -> Activity:
    """Give the activity's room back (the booking is cancelled; the place stays as written)."""
    _ensure_manager(actor)
    activity = _lock(activity)
    booking = confirmed_room_booking(activity)
    if booking is None:
        _refuse(_("No room is reserved for this activity, or its booking has begun."), field="room")
    booking_services.booking_cancel(booking=booking, actor=actor, reason=_("Room released by the organiser."))
    return activity


def _tell_registered(activity: Activity, *, title: StoredText, body: StoredText, kind: str) -> None:
    users = [registration.resident.user for registration in _live_registrations(activity).select_related("resident__user")]
    if users:
        notify(
            recipients=users, title=title, body=body, kind=kind,
            link=reverse("resources:activity_detail", args=[activity.pk]),
        )


# --- Registration (residents) ------------------------------------------------------------------------


def _ensure_own(resident: Resident, actor: Actor | None) -> None:
    if getattr(actor, "pk", None) != resident.user_id:
        _refuse(_("Residents register for activities themselves, in the portal."), code="not_allowed")


def _registration_refused(refusal: rules.Refusal, activity: Activity) -> NoReturn:
    values = {"title": activity.title, "capacity": activity.capacity}
    if refusal == rules.Refusal.FULL:
        raise ConflictError(
            _("“%(title)s” is full: all %(capacity)s places are taken.") % values, code="full"
        )
    if refusal == rules.Refusal.STARTED:
        _refuse(_("“%(title)s” has started: registration is closed.") % values, code="started")
    _refuse(_("“%(title)s” was cancelled.") % values, code="cancelled")


@transaction.atomic
def registration_create(*, activity: Activity, resident: Resident, actor: Actor) -> ActivityRegistration:
    """The resident registers for an activity; refused when full (under a row lock), started or cancelled,
    and while a suspension covers activity registration (RULEBOOK §9: the community scope).

    Registering again after cancelling takes a place again (the same row, live again).
    """
    _ensure_own(resident, actor)
    if resident.status not in rules.PRESENT:
        _refuse(_("Activities are open to residents who have checked in."), code="not_checked_in")
    ensure_allowed(resident, Action.REGISTER_ACTIVITY)
    activity = _lock(activity)
    existing = ActivityRegistration.objects.filter(activity=activity, resident=resident).first()
    if existing is not None and existing.cancelled_at is None:
        raise ConflictError(
            _("You are already registered for “%(title)s”.") % {"title": activity.title}, code="already_registered"
        )
    refusal = rules.registration_refusal(
        starts_at=activity.starts_at, cancelled=activity.cancelled_at is not None,
        taken=_live_registrations(activity).count(), capacity=activity.capacity, now=timezone.now(),
    )
    if refusal is not None:
        _registration_refused(refusal, activity)
    with acting_as(actor, action="resources.registration_create"):
        if existing is None:
            return ActivityRegistration.objects.create(activity=activity, resident=resident)
        ActivityRegistration.objects.filter(pk=existing.pk).update(cancelled_at=None, registered_at=timezone.now())
    existing.refresh_from_db()
    return existing


@transaction.atomic
def registration_cancel(*, registration: ActivityRegistration, actor: Actor) -> ActivityRegistration:
    """The resident cancels its registration before the activity starts; the place is free again."""
    _ensure_own(registration.resident, actor)
    registration = ActivityRegistration.objects.select_for_update().select_related("activity").get(pk=registration.pk)
    activity = registration.activity
    if registration.cancelled_at is not None:
        raise InvalidTransition(_("This registration was already cancelled."))
    refusal = rules.unregistration_refusal(
        starts_at=activity.starts_at, cancelled=activity.cancelled_at is not None, now=timezone.now()
    )
    if refusal == rules.Refusal.STARTED:
        _refuse(_("“%(title)s” has started: the registration can no longer be cancelled.") % {"title": activity.title},
                code="started")
    if refusal == rules.Refusal.CANCELLED:
        _refuse(_("“%(title)s” was cancelled.") % {"title": activity.title}, code="cancelled")
    with acting_as(actor, action="resources.registration_cancel"):
        registration.cancelled_at = timezone.now()
        registration.save(update_fields=["cancelled_at"])
    return registration


# --- Check-in (staff) --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckIn:
    """The outcome of a check-in: the attendance row, and whether this call wrote it (False: it was there)."""

    attendance: Attendance
    created: bool


def _window_refused(window: rules.Window, activity: Activity) -> NoReturn:
    values = {"title": activity.title}
    if window == rules.Window.NOT_YET:
        values["opens"] = format_moment(rules.checkin_opens_at(activity.starts_at))
        minutes = int(rules.CHECKIN_OPENS_BEFORE.total_seconds() // 60)
        _refuse(
            _("Check-in for “%(title)s” opens at %(opens)s, %(minutes)s minutes before the start.")
            % {**values, "minutes": minutes},
            code="not_yet",
        )
    if window == rules.Window.OVER:
        _refuse(_("“%(title)s” is over: check-in has closed.") % values, code="over")
    _refuse(_("“%(title)s” was cancelled.") % values, code="cancelled")


@transaction.atomic
def attendance_record(*, activity: Activity, resident: Resident, method: str, actor: Actor) -> CheckIn:
    """Check a resident in at an activity (签到): from the list, a walk-in, or a scanned QR code.

    Twice is a no-op (``created`` False). Refused before the window opens, after the activity
    is over, for a cancelled activity, for someone who is not a checked-in resident, and for a
    walk-in when every place is taken.
    """
    _ensure_manager(actor)
    ensure_not_own(actor, concerned_user=resident.user_id, what=OWN_ATTENDANCE)
    if method not in CheckInMethod.values:
        raise ValueError(method)
    activity = _lock(activity)
    if activity.cancelled_at is not None:
        _window_refused(rules.Window.CANCELLED, activity)
    existing = Attendance.objects.filter(activity=activity, resident=resident).first()
    if existing is not None:
        return CheckIn(existing, created=False)
    now = timezone.now()
    window = rules.checkin_window(starts_at=activity.starts_at, ends_at=activity.ends_at, cancelled=False, now=now)
    if window != rules.Window.OPEN:
        _window_refused(window, activity)
    if resident.status not in rules.PRESENT:
        _refuse(
            _("%(name)s is not a checked-in resident of the community.") % {"name": resident.name},
            field="resident", code="not_checked_in",
        )
    if not _live_registrations(activity).filter(resident=resident).exists():
        holding = (
            Resident.objects.filter(
                Q(registrations__activity=activity, registrations__cancelled_at__isnull=True)
                | Q(attendances__activity=activity)
            ).distinct().count()
        )
        if rules.walk_in_refusal(capacity=activity.capacity, holding_a_place=holding) is not None:
            raise ConflictError(
                _("“%(title)s” is full (%(capacity)s places) and %(name)s did not register.")
                % {"title": activity.title, "capacity": activity.capacity, "name": resident.name},
                code="full",
            )
    with acting_as(actor, action="resources.attendance_record", method=method):
        attendance = Attendance.objects.create(
            activity=activity, resident=resident, method=method, checked_in_at=now, checked_in_by=actor
        )
    _room_in_use(activity, actor)
    return CheckIn(attendance, created=True)


def _room_in_use(activity: Activity, actor: Actor) -> None:
    """The first check-in at the door also checks in the activity's room booking, so the occupancy
    report counts the room as used. Before the room's check-in window opens nothing happens: a later
    check-in at the door does it."""
    booking = confirmed_room_booking(activity)
    if booking is None:
        return
    try:
        booking_services.booking_check_in(booking=booking, actor=actor)
    except DomainError:  # the room's check-in window is not open yet (nothing was written)
        return


@transaction.atomic
def attendance_undo(*, attendance: Attendance, actor: Actor) -> None:
    """Take back a check-in made by mistake (a wrong tap), while the activity is not over.

    The audit trail keeps the deleted row and who removed it.
    """
    _ensure_manager(actor)
    ensure_not_own(actor, concerned_user=attendance.resident.user_id, what=OWN_ATTENDANCE)
    activity = _lock(attendance.activity)
    if activity.ends_at <= timezone.now():
        raise InvalidTransition(_("“%(title)s” is over: its attendance record is final.") % {"title": activity.title})
    with acting_as(actor, action="resources.attendance_undo"):
        Attendance.objects.filter(pk=attendance.pk).delete()


# --- Personal check-in codes (the QR code on the resident's phone) -----------------------------------


def _signer(activity: Activity) -> signing.Signer:
    return signing.Signer(salt=f"resources.checkin.{activity.checkin_token}")


def personal_code(*, activity: Activity, resident: Resident) -> str:
    """The resident's signed check-in code for the activity, valid until the activity ends."""
    value = rules.code_value(
        activity_id=activity.pk, resident_id=resident.pk, expires=int(activity.ends_at.timestamp())
    )
    return _signer(activity).sign(value)


def _not_a_code() -> NoReturn:
    _refuse(
        _("This is not a valid check-in code of the community. Ask the resident to open the code again in the portal."),
        field="code", code="bad_code",
    )


def verify_code(code: str, *, activity: Activity | None = None) -> tuple[Activity, Resident]:
    """The activity and the resident a personal code names, after checking its signature and expiry.

    ``activity``: the activity the staff member is checking in (a code for another one is refused).
    Writes nothing.
    """
    parts = rules.parse_code(code, separator=signing.Signer().sep)
    if parts is None:
        _not_a_code()
    target = Activity.objects.filter(pk=parts.activity_id).first()
    if target is None:
        _not_a_code()
    try:
        _signer(target).unsign(parts.signed)
    except signing.BadSignature:
        _not_a_code()
    if activity is not None and target.pk != activity.pk:
        _refuse(
            _("This code is for “%(other)s”, not for this activity.") % {"other": target.title},
            field="code", code="other_activity",
        )
    if timezone.now().timestamp() >= parts.expires:
        _refuse(_("This check-in code has expired: “%(title)s” is over.") % {"title": target.title},
                field="code", code="expired")
    resident = Resident.objects.filter(pk=parts.resident_id).first()
    if resident is None:
        _not_a_code()
    return target, resident


@transaction.atomic
def attendance_check_in_by_code(*, code: str, actor: Actor, activity: Activity | None = None) -> CheckIn:
    """Staff scanned the QR code on a resident's phone: verify it, then check the resident in."""
    _ensure_manager(actor)
    target, resident = verify_code(code, activity=activity)
    return attendance_record(activity=target, resident=resident, method=CheckInMethod.QR, actor=actor)
