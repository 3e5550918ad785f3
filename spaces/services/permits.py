"""Promotion and event permits (宣传、自组织活动需申请, 第四章第三条): every state change of a permit.

A resident applies in the portal to put up posters, hand out flyers, hold a roadshow or
organise an event: title, kind, place, time, description and the material (a PDF/JPEG/PNG
checked by its content, size from the rulebook's intake rules, stored privately). The daily
management team approves or refuses with a reason; the resident is told. An approved event
or roadshow may reserve a room through the booking rules (``spaces.services.bookings``),
only within the permit's own time (``spaces.rules.permits``).

Statuses move through ``REQUEST_TRANSITIONS`` (requested → approved / refused / withdrawn;
approved → withdrawn) under a row lock with compare-and-set; approving twice is refused.
"""

from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from opc_community import rulebook
from opc_community.accounts.actors import Actor
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.audit import acting_as
from opc_community.core.errors import DomainError, InvalidTransition
from opc_community.core.files import atomic_with_files
from opc_community.core.i18n import community_language
from opc_community.core.transitions import ensure_can_move, move
from opc_community.core.uploads import validate_upload
from opc_community.portal.services import notify
from residents.guards import Action, ensure_allowed
from spaces.models import (
    ACTIVE_BOOKING_STATUSES,
    REQUEST_TRANSITIONS,
    Permit,
    PermitKind,
    RequestStatus,
)
from spaces.rules import permits as rules
from spaces.services.bookings import booking_create

#: Who decides permits (第四章第三条: the daily management team; the administrator runs everything).
PERMIT_DECIDERS = (Role.DAILY, Role.ADMINISTRATOR)
_CHECKED_IN = ("active", "exiting")

TITLE_MAX_LENGTH = Permit._meta.get_field("title").max_length
PLACE_MAX_LENGTH = Permit._meta.get_field("place").max_length
TEXT_MAX_LENGTH = 5000
#: File extension by the content type ``validate_upload`` found.
MATERIAL_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def is_permit_decider(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False)) and has_role(user, *PERMIT_DECIDERS)


# --- The resident ------------------------------------------------------------------------------------


@atomic_with_files
def permit_apply(
    *,
    resident: Any,
    kind: str,
    title: str,
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    description: str,
    actor: Actor | None,
    material: UploadedFile | None = None,
) -> Permit:
    """A checked-in resident applies for a promotion or event permit (→ requested); refused while a
    suspension covers permits (RULEBOOK §9: public spaces, community)."""
    if getattr(actor, "pk", None) != resident.user_id:
        raise DomainError(_("Only the resident itself can apply for a permit in the portal."), code="not_allowed")
    if resident.status not in _CHECKED_IN:
        raise DomainError(_("Permits are applied for after check-in (Chapter 4, Article 3)."), code="not_checked_in")
    ensure_allowed(resident, Action.APPLY_PERMIT)
    if kind not in PermitKind.values:
        raise DomainError(_("Choose what the permit is for."), field="kind")
    title = _required(title, field="title", max_length=TITLE_MAX_LENGTH)
    place = _required(place, field="place", max_length=PLACE_MAX_LENGTH)
    description = _required(description, field="description", max_length=TEXT_MAX_LENGTH)
    if starts_at is None:
        raise DomainError(_("Please fill this in."), field="starts_at")
    if ends_at is None:
        raise DomainError(_("Please fill this in."), field="ends_at")
    problem = rules.period_problem(starts_at=starts_at, ends_at=ends_at, now=timezone.now())
    if problem == "order":
        raise DomainError(_("The end must come after the start."), field="ends_at")
    if problem == "past":
        raise DomainError(_("The start cannot be in the past."), field="starts_at")
    if material is None and rules.material_required(kind):
        raise DomainError(
            _("Attach the %(kind)s themselves (PDF, JPEG or PNG): promotion needs its material approved "
              "(Chapter 4, Article 3).") % {"kind": PermitKind(kind).label},
            field="material",
        )
    permit = Permit(
        resident=resident, kind=kind, title=title, place=place, starts_at=starts_at, ends_at=ends_at,
        description=description,
    )
    if material is not None:
        intake = rulebook.in_force().intake
        content_type, sha256 = validate_upload(
            material, field="material", allowed=tuple(intake.allowed_file_types), max_mb=intake.max_upload_mb
        )
        permit.material_sha256 = sha256
        permit.material_type = content_type
        permit.material_name = (material.name or "")[-200:]
        # The stored name comes from the content's hash (``permit_material_path``), never the resident's.
        permit.material.save(f"{sha256[:16]}.{MATERIAL_EXTENSIONS[content_type]}", material, save=False)
    with acting_as(actor, action="spaces.permit_apply"):
        permit.save()
    with community_language():
        notify(
            recipients=members_of(Role.DAILY),
            title=lambda: _("Permit requested: %(title)s") % {"title": _short(title)},
            body=lambda: _("%(resident)s · %(kind)s · %(place)s · %(when)s")
            % {"resident": resident.name, "kind": permit.get_kind_display(), "place": place,
               "when": _period(permit)},
            link=reverse("admin:spaces_permit_change", args=[permit.pk]),
            kind="spaces.permit_requested",
            dedupe_key=f"permit:{permit.pk}:requested",
        )
    return permit


@transaction.atomic
def permit_withdraw(*, permit: Permit, actor: Actor | None) -> Permit:
    """The resident withdraws its application or an approved permit it will not use.

    An approved event with active room bookings is refused: the bookings are cancelled first.
    """
    permit = _lock(permit)
    if permit.resident.user_id != getattr(actor, "pk", None):
        raise DomainError(_("Only the resident who applied can withdraw the permit."), code="not_allowed")
    ensure_can_move(permit, RequestStatus.WITHDRAWN, transitions=REQUEST_TRANSITIONS)
    holds_bookings = permit.bookings.filter(status__in=ACTIVE_BOOKING_STATUSES).exists()
    if rules.withdraw_refusal(status=permit.status, holds_bookings=holds_bookings) == "has_bookings":
        raise DomainError(
            _("This permit holds room bookings; cancel them first in “My bookings”."), code="has_bookings"
        )
    with acting_as(actor, action="spaces.permit_withdraw"):
        return move(permit, RequestStatus.WITHDRAWN, transitions=REQUEST_TRANSITIONS)


# --- The daily management team ----------------------------------------------------------------------


@transaction.atomic
def permit_approve(*, permit: Permit, actor: Actor, note: str = "") -> Permit:
    """Approve (requested → approved); an optional note for the resident. Approving twice is refused."""
    _ensure_decider(actor, permit.resident)
    permit = _lock(permit)
    ensure_can_move(permit, RequestStatus.APPROVED, transitions=REQUEST_TRANSITIONS)
    if not rules.decidable(ends_at=permit.ends_at, now=timezone.now()):
        raise InvalidTransition(_("The time of this permit is over; it can only be refused."))
    note = (note or "").strip()[:TEXT_MAX_LENGTH]
    with acting_as(actor, action="spaces.permit_approve"):
        permit = move(
            permit, RequestStatus.APPROVED, transitions=REQUEST_TRANSITIONS,
            decided_by=actor, decided_at=timezone.now(), decision_reason=note,
        )
    with community_language():
        body = _("%(kind)s at %(place)s, %(when)s, is approved (Chapter 4, Article 3).") % {
            "kind": permit.get_kind_display(), "place": permit.place, "when": _period(permit),
        }
        if rules.can_reserve_room(kind=permit.kind, status=permit.status):
            body += " " + _("You can now reserve a room for it within this time on the permit's page.")
        notify(
            recipients=[permit.resident.user],
            title=lambda: _("Permit approved: %(title)s") % {"title": _short(permit.title)},
            body=f"{body} {note}".strip(),
            link=reverse("spaces:permit_detail", args=[permit.pk]),
            kind="spaces.permit_approved",
            dedupe_key=f"permit:{permit.pk}:decided",
        )
    return permit


@transaction.atomic
def permit_refuse(*, permit: Permit, reason: str, actor: Actor) -> Permit:
    """Refuse with a reason the resident reads (requested → refused)."""
    _ensure_decider(actor, permit.resident)
    reason = _required(reason, field="reason", max_length=TEXT_MAX_LENGTH)
    permit = _lock(permit)
    with acting_as(actor, action="spaces.permit_refuse"):
        permit = move(
            permit, RequestStatus.REFUSED, transitions=REQUEST_TRANSITIONS,
            decided_by=actor, decided_at=timezone.now(), decision_reason=reason,
        )
    with community_language():
        notify(
            recipients=[permit.resident.user],
            title=lambda: _("Permit refused: %(title)s") % {"title": _short(permit.title)},
            body=lambda: _("Reason: %(reason)s (Chapter 4, Article 3).") % {"reason": reason},
            link=reverse("spaces:permit_detail", args=[permit.pk]),
            kind="spaces.permit_refused",
            dedupe_key=f"permit:{permit.pk}:decided",
        )
    return permit


# --- A room for an approved event ----------------------------------------------------------------------


@transaction.atomic
def permit_reserve_room(
    *,
    permit: Permit,
    room: Any,
    starts_at: datetime,
    ends_at: datetime,
    attendees: int,
    actor: Actor | None,
    purpose: str = "",
) -> Any:
    """Book a room for an approved event or roadshow, through the booking rules, within the permit's time.

    Opening hours, length, notice, horizon, suspensions and overlaps are the booking service's
    (``spaces.services.bookings.booking_create``), which links the booking to the permit.
    """
    permit = _lock(permit)
    if permit.resident.user_id != getattr(actor, "pk", None) and not is_permit_decider(actor):
        raise DomainError(_("Only the resident who holds the permit can reserve a room for it."), code="not_allowed")
    if not rules.can_reserve_room(kind=permit.kind, status=permit.status):
        raise DomainError(
            _("Only an approved event or roadshow permit can reserve a room (Chapter 4, Article 3)."),
            code="not_reservable",
        )
    if starts_at is None or ends_at is None or not rules.booking_within_permit(
        permit_starts_at=permit.starts_at, permit_ends_at=permit.ends_at, starts_at=starts_at, ends_at=ends_at
    ):
        raise DomainError(
            _("The booking must lie within the permit's time: %(when)s.") % {"when": _period(permit)},
            field="starts_at",
        )
    return booking_create(
        resident=permit.resident, room=room, starts_at=starts_at, ends_at=ends_at,
        purpose=(purpose or permit.title).strip()[:200], attendees=attendees, actor=actor, permit=permit,
    )


def permits_withdraw_for_exit(*, resident: Any, exit: Any = None, actor: Actor | None) -> str:
    """Exit handler: a leaving resident's open applications and approved permits not yet over are withdrawn."""
    with acting_as(actor, action="spaces.permit_withdraw"):
        withdrawn = Permit.objects.filter(resident=resident).filter(
            status=RequestStatus.REQUESTED
        ).update(status=RequestStatus.WITHDRAWN)
        withdrawn += Permit.objects.filter(
            resident=resident, status=RequestStatus.APPROVED, ends_at__gt=timezone.now()
        ).update(status=RequestStatus.WITHDRAWN)
    return _("Permits withdrawn: %(count)s.") % {"count": withdrawn} if withdrawn else ""


# --- Helpers -----------------------------------------------------------------------------------------------


def _lock(permit: Permit) -> Permit:
    return Permit.objects.select_for_update(no_key=True, of=("self",)).select_related("resident__user").get(pk=permit.pk)


def _ensure_decider(actor: Actor, resident: Any) -> None:
    if not is_permit_decider(actor):
        raise DomainError(
            _("Only the daily management team or the administrator decides permits (Chapter 4, Article 3)."),
            code="not_allowed",
        )
    ensure_not_own(actor, concerned_user=resident.user_id, what=_("a permit of your own account"))


def _required(value: str | None, *, field: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(_("Please fill this in."), field=field)
    if len(value) > max_length:
        raise DomainError(_("At most %(limit)s characters, please.") % {"limit": max_length}, field=field)
    return value


def _period(permit: Permit) -> str:
    starts, ends = timezone.localtime(permit.starts_at), timezone.localtime(permit.ends_at)
    start_text = formats.date_format(starts, "DATETIME_FORMAT")
    end_format = "TIME_FORMAT" if starts.date() == ends.date() else "DATETIME_FORMAT"
    return f"{start_text} – {formats.date_format(ends, end_format)}"


def _short(text: str) -> str:
    return Truncator(text).chars(40)

