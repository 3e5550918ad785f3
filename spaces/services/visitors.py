"""The visitor log (外来访客, 第四章第一条，第七章第二条 治安安全): every state change of a visitor.

A visitor is registered at the front desk (the daily management team) with name, phone,
host resident, purpose and expected time; the host confirms or refuses in the portal, or
the front desk confirms with the host by phone and records that it did (``confirmed_by``
+ ``confirmed_by_phone``). Only a confirmed visitor is admitted; admitted visitors sign out.
The log is never deleted.

Each step is one service: it refuses a wrong actor or state with a Chinese message,
moves the status through ``VISITOR_TRANSITIONS`` (row lock + compare-and-set), records
the actor in the audit trail and tells the other side through the inbox.

Privacy (PIPL): the visitor's phone number is shown in full only on the front-desk screens;
everywhere else — the host's page and notifications, the API for residents, other staff
groups' lists — it is masked (``opc_community.core.masking.mask_phone``).
"""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community.accounts.actors import Actor
from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.core.audit import acting_as
from opc_community.core.errors import DomainError, InvalidTransition
from opc_community.core.i18n import community_language
from opc_community.core.masking import mask_phone
from opc_community.core.moments import format_moment
from opc_community.core.transitions import move
from opc_community.portal.services import notify
from opc_community.workdays.rules import local_date
from residents.guards import Action, ensure_allowed
from spaces.models import VISITOR_TRANSITIONS, Visitor, VisitorStatus
from spaces.rules import visitors as rules

#: The front desk: the daily management team (第二章第二条) and the administrator, who runs everything.
FRONT_DESK = (Role.DAILY, Role.ADMINISTRATOR)
_CHECKED_IN = ("active", "exiting")

NAME_MAX_LENGTH = Visitor._meta.get_field("name").max_length
PURPOSE_MAX_LENGTH = Visitor._meta.get_field("purpose").max_length
NOTE_MAX_LENGTH = Visitor._meta.get_field("note").max_length


def is_front_desk(user: Any) -> bool:
    """May work the front desk (and see visitors' full phone numbers)."""
    return bool(getattr(user, "is_staff", False)) and has_role(user, *FRONT_DESK)


def shown_phone(visitor: Visitor, user: Any) -> str:
    """The phone number as ``user`` may see it: in full for the front desk, masked for everyone else."""
    return visitor.phone if is_front_desk(user) else mask_phone(visitor.phone)


# --- Registration -----------------------------------------------------------------------------------


@transaction.atomic
def visitor_register(
    *,
    name: str,
    phone: str,
    host: Any,
    purpose: str,
    expected_at: datetime,
    actor: Actor,
    note: str = "",
) -> Visitor:
    """The front desk registers a visitor (→ awaiting the host); the host is asked to confirm.

    Refused while a suspension covers receiving visitors (RULEBOOK §9: the community scope)."""
    _ensure_front_desk(actor)
    name = _required(name, field="name", max_length=NAME_MAX_LENGTH)
    purpose = _required(purpose, field="purpose", max_length=PURPOSE_MAX_LENGTH)
    normalised = rules.normalise_phone(phone)
    if normalised is None:
        raise DomainError(
            _("Enter a mobile number (11 digits) or a landline with its area code."), field="phone"
        )
    if host is None or host.status not in _CHECKED_IN:
        raise DomainError(_("Choose a checked-in resident as the host."), field="host")
    ensure_allowed(host, Action.INVITE_VISITOR, field="host")
    if expected_at is None or not rules.expected_day_acceptable(local_date(expected_at), today=timezone.localdate()):
        raise DomainError(_("The expected time cannot be on a day already past."), field="expected_at")
    with acting_as(actor, action="spaces.visitor_register"):
        visitor = Visitor.objects.create(
            name=name, phone=normalised, host=host, purpose=purpose, expected_at=expected_at,
            registered_by=actor, note=(note or "").strip()[:NOTE_MAX_LENGTH],
        )
    with community_language():
        notify(
            recipients=[host.user],
            title=lambda: _("A visitor for you: %(name)s") % {"name": name},
            body=lambda: _("%(name)s (phone %(phone)s), expected %(when)s, purpose: %(purpose)s. Please confirm or refuse "
                   "the visit in the portal; visitors are admitted only after the host confirms (Chapter 4, "
                   "Article 1).")
            % {"name": name, "phone": mask_phone(normalised), "when": format_moment(expected_at), "purpose": purpose},
            link=reverse("spaces:visitor_list"),
            kind="spaces.visitor_registered",
            dedupe_key=f"visitor:{visitor.pk}:registered",
        )
    return visitor


# --- The host's answer (or the front desk's, by phone) ---------------------------------------------------


@transaction.atomic
def visitor_confirm(*, visitor: Visitor, actor: Actor, by_phone: bool = False) -> Visitor:
    """The host confirms (awaiting → confirmed); or the front desk, having called the host (``by_phone``).

    Refused while a suspension covers receiving visitors (RULEBOOK §9: the community scope)."""
    visitor = _lock(visitor)
    _ensure_host_or_phone(visitor, actor, by_phone=by_phone)
    _ensure_awaiting(visitor)
    ensure_allowed(visitor.host, Action.INVITE_VISITOR)
    with acting_as(actor, action="spaces.visitor_confirm"):
        visitor = move(
            visitor, VisitorStatus.CONFIRMED, transitions=VISITOR_TRANSITIONS,
            confirmed_by=actor, confirmed_at=timezone.now(), confirmed_by_phone=by_phone,
        )
    _tell_about_answer(visitor, actor=actor, by_phone=by_phone, confirmed=True)
    return visitor


@transaction.atomic
def visitor_refuse(*, visitor: Visitor, actor: Actor, by_phone: bool = False, reason: str = "") -> Visitor:
    """The host refuses the visit (awaiting → refused); or the front desk, on the host's word by phone."""
    visitor = _lock(visitor)
    _ensure_host_or_phone(visitor, actor, by_phone=by_phone)
    _ensure_awaiting(visitor)
    reason = (reason or "").strip()
    with acting_as(actor, action="spaces.visitor_refuse"):
        visitor = move(
            visitor, VisitorStatus.REFUSED, transitions=VISITOR_TRANSITIONS,
            confirmed_by=actor, confirmed_at=timezone.now(), confirmed_by_phone=by_phone,
            note=_joined(visitor.note, reason),
        )
    _tell_about_answer(visitor, actor=actor, by_phone=by_phone, confirmed=False)
    return visitor


# --- The front desk ---------------------------------------------------------------------------------------


@transaction.atomic
def visitor_admit(*, visitor: Visitor, actor: Actor) -> Visitor:
    """Let a confirmed visitor in (confirmed → admitted). Never without the host's confirmation."""
    _ensure_front_desk(actor)
    visitor = _lock(visitor)
    if visitor.status == VisitorStatus.AWAITING_HOST:
        raise InvalidTransition(
            _("%(name)s cannot be admitted yet: the host has not confirmed the visit. Visitors are admitted only "
              "after the host confirms (Chapter 4, Article 1).") % {"name": visitor.name}
        )
    if visitor.status != VisitorStatus.CONFIRMED:
        raise InvalidTransition(
            _("%(name)s cannot be admitted: the visit is “%(status)s”. Only a visitor confirmed by the host is "
              "admitted (Chapter 4, Article 1).") % {"name": visitor.name, "status": visitor.get_status_display()}
        )
    with acting_as(actor, action="spaces.visitor_admit"):
        return move(visitor, VisitorStatus.ADMITTED, transitions=VISITOR_TRANSITIONS, admitted_at=timezone.now())


@transaction.atomic
def visitor_sign_out(*, visitor: Visitor, actor: Actor) -> Visitor:
    """The visitor leaves (admitted → signed out)."""
    _ensure_front_desk(actor)
    visitor = _lock(visitor)
    with acting_as(actor, action="spaces.visitor_sign_out"):
        return move(visitor, VisitorStatus.SIGNED_OUT, transitions=VISITOR_TRANSITIONS, signed_out_at=timezone.now())


@transaction.atomic
def visitor_cancel(*, visitor: Visitor, actor: Actor | None, reason: str = "") -> Visitor:
    """The visit does not take place (awaiting or confirmed → cancelled): the visitor did not come, or
    the registration was a mistake. The host is told when it had been asked."""
    _ensure_front_desk(actor)
    visitor = _lock(visitor)
    reason = (reason or "").strip()
    with acting_as(actor, action="spaces.visitor_cancel"):
        visitor = move(
            visitor, VisitorStatus.CANCELLED, transitions=VISITOR_TRANSITIONS, note=_joined(visitor.note, reason)
        )
    with community_language():
        notify(
            recipients=[visitor.host.user],
            title=lambda: _("Visit cancelled: %(name)s") % {"name": visitor.name},
            body=lambda: _("The front desk cancelled the visit expected %(when)s.") % {"when": format_moment(visitor.expected_at)}
            + (f" {reason}" if reason else ""),
            link=reverse("spaces:visitor_list"),
            kind="spaces.visitor_cancelled",
            dedupe_key=f"visitor:{visitor.pk}:cancelled",
            email=False,
        )
    return visitor


def visitors_cancel_for_exit(*, resident: Any, exit: Any = None, actor: Actor | None) -> str:
    """Exit handler: visits to a leaving resident that have not happened yet are cancelled."""
    with acting_as(actor, action="spaces.visitor_cancel"):
        cancelled = Visitor.objects.filter(
            host=resident, status__in=(VisitorStatus.AWAITING_HOST, VisitorStatus.CONFIRMED)
        ).update(status=VisitorStatus.CANCELLED)
    return _("Expected visitors cancelled: %(count)s.") % {"count": cancelled} if cancelled else ""


def front_desk_step(step: str, *, visitor: Visitor, actor: Actor) -> Visitor:
    """Run one front-desk step by its name (``spaces.rules.visitors.FRONT_DESK_STEPS``)."""
    if step == "confirm_by_phone":
        return visitor_confirm(visitor=visitor, actor=actor, by_phone=True)
    if step == "refuse_by_phone":
        return visitor_refuse(visitor=visitor, actor=actor, by_phone=True)
    if step == "admit":
        return visitor_admit(visitor=visitor, actor=actor)
    if step == "sign_out":
        return visitor_sign_out(visitor=visitor, actor=actor)
    if step == "cancel":
        return visitor_cancel(visitor=visitor, actor=actor)
    raise DomainError(_("Unknown step."), code="unknown_step")


# --- Helpers ----------------------------------------------------------------------------------------------


def _lock(visitor: Visitor) -> Visitor:
    return Visitor.objects.select_for_update(no_key=True, of=("self",)).select_related("host__user").get(pk=visitor.pk)


def _ensure_front_desk(actor: Actor) -> None:
    if not is_front_desk(actor):
        raise DomainError(
            _("Only the daily management team at the front desk registers and admits visitors (Chapter 4, "
              "Article 1)."),
            code="not_allowed",
        )


def _ensure_host_or_phone(visitor: Visitor, actor: Actor | None, *, by_phone: bool) -> None:
    if by_phone:
        if not is_front_desk(actor):
            raise DomainError(
                _("Only the front desk answers for the host, after calling the host."), code="not_allowed"
            )
    elif visitor.host.user_id != getattr(actor, "pk", None):
        raise DomainError(_("Only the host answers for its own visitors."), code="not_allowed")


def _ensure_awaiting(visitor: Visitor) -> None:
    if not rules.host_can_answer(visitor.status):
        raise InvalidTransition(
            _("This visit has already been answered (“%(status)s”).") % {"status": visitor.get_status_display()}
        )


def _tell_about_answer(visitor: Visitor, *, actor: Actor, by_phone: bool, confirmed: bool) -> None:
    with community_language():
        if by_phone:
            # The host is told what the front desk recorded in its name.
            title = (_("Visitor confirmed on your behalf: %(name)s") if confirmed
                     else _("Visitor refused on your behalf: %(name)s")) % {"name": visitor.name}
            notify(
                recipients=[visitor.host.user],
                title=title,
                body=lambda: _("The front desk (%(staff)s) recorded your answer given by phone.")
                % {"staff": actor.get_full_name() or actor.get_username()},
                link=reverse("spaces:visitor_list"),
                kind="spaces.visitor_answered_by_phone",
                dedupe_key=f"visitor:{visitor.pk}:answered",
            )
        else:
            title = (_("The host confirmed %(name)s") if confirmed
                     else _("The host refused %(name)s")) % {"name": visitor.name}
            notify(
                recipients=[visitor.registered_by],
                title=title,
                body=lambda: _("%(host)s, visit expected %(when)s.") % {"host": visitor.host.name,
                                                               "when": format_moment(visitor.expected_at)},
                link=reverse("admin:spaces_visitor_front_desk"),
                kind="spaces.visitor_answered",
                dedupe_key=f"visitor:{visitor.pk}:answered",
                email=False,
            )


def _required(value: str | None, *, field: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(_("Please fill this in."), field=field)
    if len(value) > max_length:
        raise DomainError(_("At most %(limit)s characters, please.") % {"limit": max_length}, field=field)
    return value


def _joined(note: str, addition: str) -> str:
    return "; ".join(part for part in (note, addition) if part)[:NOTE_MAX_LENGTH]

