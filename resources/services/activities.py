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
from datetime import datetime
from typing import Any, NoReturn

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.accounts.actors import Actor
from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.core.i18n import StoredText
from opc_community.core.moments import format_moment
from opc_community.portal.services import notify
from residents.guards import Action, ensure_allowed
from residents.models import Resident
from resources.models import Activity, ActivityKind, ActivityRegistration
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
    return Activity.objects.select_for_update(no_key=True).get(pk=activity.pk)


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
    registration = ActivityRegistration.objects.select_for_update(no_key=True).select_related("activity").get(pk=registration.pk)
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


# --- Exit (registered in ResourcesConfig.ready) ----------------------------------------------------------


def cancel_future_registrations(*, resident: Resident, exit: Any, actor: Actor) -> str:
    """Exit handler (第三章第四条 注销权限): the resident's registrations for activities that have not
    started are cancelled, so their places are free again (attendance already recorded stays)."""
    now = timezone.now()
    future = ActivityRegistration.objects.filter(
        resident=resident, cancelled_at__isnull=True, activity__starts_at__gt=now
    )
    with acting_as(actor, action="resources.registration_cancel_for_exit"):
        count = future.update(cancelled_at=now)
    if not count:
        return _("No future activity registrations.")
    return _("Future activity registrations cancelled: %(count)s.") % {"count": count}
