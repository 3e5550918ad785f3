"""Attendance at activities (第四章第二条): staff check-in, the resident's personal check-in code, undo."""

from dataclasses import dataclass
from typing import NoReturn

from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community.accounts.actors import Actor
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.core.moments import format_moment
from residents.models import Resident
from resources.models import Activity, Attendance, CheckInMethod
from resources.rules import activities as rules
from resources.services.activities import (
    OWN_ATTENDANCE,
    _ensure_manager,
    _live_registrations,
    _lock,
    _refuse,
    confirmed_room_booking,
)
from spaces.services import bookings as booking_services

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
