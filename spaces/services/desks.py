"""Writes of the desk register (第四章第一条): assign a desk at check-in, release it at exit, and
move a resident to another desk through a change request decided by the daily management team.

The database guarantees one open assignment per desk and per resident (partial
unique constraints on ``DeskAssignment``) and one open change request per resident
(``desk_request_one_open_per_resident``); these services turn a collision into
a :class:`~opc_community.core.errors.ConflictError` with a Chinese message, so
two staff members assigning the same desk at once get a clear answer, not a 500.

Change requests (调整办公位需经日常管理组审批): the resident asks with a reason and,
optionally, a free desk it prefers; the team approves — choosing the desk — or
refuses with a reason. Approval releases the resident's desk and opens the new
assignment in one transaction (:func:`desk_release` + :func:`desk_assign`): a desk
taken meanwhile rolls everything back with a clear conflict, and the resident keeps
its desk. Requests and assignments are audited rows (the history of each desk).
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from opc_community.accounts.actors import Actor
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.core.i18n import StoredText, community_language
from opc_community.core.transitions import ensure_can_move, move
from opc_community.portal.services import notify
from residents.guards import Action, ensure_allowed
from spaces.models import (
    REQUEST_TRANSITIONS,
    Desk,
    DeskAssignment,
    DeskChangeRequest,
    RequestStatus,
)

#: Who decides desk changes (第四章第一条: the daily management team; the administrator runs everything).
DESK_MANAGERS = (Role.DAILY, Role.ADMINISTRATOR)
#: Residents who may ask to move: checked in (not onboarding, not gone).
_CHECKED_IN = ("active", "exiting")
REASON_MAX_LENGTH = 2000


@transaction.atomic
def desk_assign(*, resident: Any, desk: Desk, actor: Actor | None, note: str = "") -> DeskAssignment:
    """Open an assignment of ``desk`` to ``resident`` (check-in, 第三章第二条 分配办公空间).

    Refuses an out-of-use desk, a desk already taken and a resident who already holds
    a desk (ConflictError). The desk row is locked first, so concurrent assignments of
    the same desk queue up and the second one sees the first one's assignment.
    """
    desk = Desk.objects.select_for_update(no_key=True).get(pk=desk.pk)
    if not desk.is_active:
        raise DomainError(
            _("Desk %(desk)s is out of use and cannot be assigned.") % {"desk": desk.code}, field="desk"
        )
    try:
        # A savepoint: the caller's transaction stays usable after a refused insert.
        with transaction.atomic(), acting_as(actor, action="spaces.desk_assign"):
            return DeskAssignment.objects.create(
                desk=desk, resident=resident, starts_at=timezone.now(), assigned_by=actor, note=note
            )
    except IntegrityError as error:
        constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", "") or str(error)
        if "resident_one_open_desk" in constraint:
            raise ConflictError(
                _("%(resident)s already holds a desk; release it before assigning another one.")
                % {"resident": resident},
                field="resident",
            ) from error
        raise ConflictError(
            _("Desk %(desk)s is already assigned to another resident. Choose a free desk.") % {"desk": desk.code},
            field="desk",
        ) from error


def desk_assign_at_check_in(resident: Any, *, choice: Desk | None, actor: Actor | None) -> StoredText:
    """The check-in step (第三章第二条 分配办公空间): ``choice``, or the first free desk; a sentence for the
    welcome notice (unrendered: the notice is stored in the community language). Runs inside the check-in's transaction, after ``check_in_problems`` found a desk."""
    from spaces.selectors.desks import free_desks

    desk = choice if choice is not None else free_desks().first()
    if desk is None:  # taken by a concurrent check-in since the problems were checked
        raise ConflictError(_("no free desk"), field="desk")
    assignment = desk_assign(resident=resident, desk=desk, actor=actor, note=_("check-in"))
    code = assignment.desk.code
    return lambda: _("Your desk is %(desk)s.") % {"desk": code}


@transaction.atomic
def desk_release(*, resident: Any, actor: Actor | None, note: str = "") -> DeskAssignment | None:
    """Close the resident's open desk assignment (exit: 释放工位); None when it holds no desk.

    Safe to call twice: the second call finds no open assignment and changes nothing.
    """
    assignment = (
        DeskAssignment.objects.select_for_update(no_key=True).filter(resident=resident, ends_at__isnull=True).first()
    )
    if assignment is None:
        return None
    assignment.ends_at = timezone.now()
    assignment.released_by = actor
    if note:
        assignment.note = f"{assignment.note}; {note}".strip("; ")[:200]
    with acting_as(actor, action="spaces.desk_release"):
        assignment.save(update_fields=["ends_at", "released_by", "note"])
    return assignment


def desk_release_for_exit(*, resident: Any, exit: Any = None, actor: Actor | None) -> str:
    """Exit handler of the "desk released" item (第三章第四条 释放工位)."""
    assignment = desk_release(resident=resident, actor=actor, note=_("exit"))
    if assignment is None:
        return _("No desk held.")
    return _("Desk %(desk)s released.") % {"desk": assignment.desk.code}


# --- Change requests (第四章第一条) -------------------------------------------------------------------


def is_desk_manager(user: Any) -> bool:
    """A member of the daily management team or the administrator, with a staff account."""
    return bool(getattr(user, "is_staff", False)) and has_role(user, *DESK_MANAGERS)


@transaction.atomic
def desk_request_create(
    *, resident: Any, reason: str, actor: Actor | None, preferred_desk: Desk | None = None
) -> DeskChangeRequest:
    """A checked-in resident asks to move desks, with a reason and optionally a free desk it prefers.

    One open request at a time (a database constraint; a second one is a ConflictError).
    Refused while a suspension covers desk change requests (RULEBOOK §9: the community scope).
    The daily management team is told through its inbox.
    """
    if getattr(actor, "pk", None) != resident.user_id:
        raise DomainError(_("Only the resident itself can ask to change its desk."), code="not_allowed")
    if resident.status not in _CHECKED_IN:
        raise DomainError(
            _("Desk changes are requested after check-in (Chapter 4, Article 1)."), code="not_checked_in"
        )
    ensure_allowed(resident, Action.REQUEST_DESK_CHANGE)
    reason = _required_text(reason, field="reason")
    current = DeskAssignment.objects.filter(resident=resident, ends_at__isnull=True).select_related("desk").first()
    if preferred_desk is not None:
        preferred_desk = Desk.objects.get(pk=preferred_desk.pk)
        if current is not None and current.desk_id == preferred_desk.pk:
            raise DomainError(_("This is already your desk; choose another one or leave the choice to the team."),
                              field="preferred_desk")
        if not preferred_desk.is_active:
            raise DomainError(_("Desk %(desk)s is out of use and cannot be assigned.") % {"desk": preferred_desk.code},
                              field="preferred_desk")
        if DeskAssignment.objects.filter(desk=preferred_desk, ends_at__isnull=True).exists():
            raise DomainError(
                _("Desk %(desk)s is taken; choose a free desk or leave the choice to the team.")
                % {"desk": preferred_desk.code},
                field="preferred_desk",
            )
    try:
        with transaction.atomic(), acting_as(actor, action="spaces.desk_request_create"):
            request = DeskChangeRequest.objects.create(
                resident=resident, current_desk=current.desk if current else None,
                preferred_desk=preferred_desk, reason=reason,
            )
    except IntegrityError as error:
        raise ConflictError(
            _("You already have an open desk change request; wait for the decision or withdraw it first."),
            code="open_request",
        ) from error
    with community_language():
        notify(
            recipients=members_of(Role.DAILY),
            title=lambda: _("Desk change requested: %(resident)s") % {"resident": resident.name},
            body=lambda: _("Current desk: %(current)s. Preferred desk: %(preferred)s. Reason: %(reason)s")
            % {
                "current": current.desk.code if current else _("none"),
                "preferred": preferred_desk.code if preferred_desk else _("no preference"),
                "reason": Truncator(reason).chars(200),
            },
            link=reverse("admin:spaces_deskchangerequest_change", args=[request.pk]),
            kind="spaces.desk_request_created",
            dedupe_key=f"desk-request:{request.pk}:created",
        )
    return request


@transaction.atomic
def desk_request_withdraw(*, request: DeskChangeRequest, actor: Actor | None) -> DeskChangeRequest:
    """The resident withdraws its open request (requested → withdrawn)."""
    request = _lock(request)
    if request.resident.user_id != getattr(actor, "pk", None):
        raise DomainError(_("Only the resident who asked can withdraw the request."), code="not_allowed")
    if request.status != RequestStatus.REQUESTED:
        raise InvalidTransition(_("Only an open request can be withdrawn."))
    with acting_as(actor, action="spaces.desk_request_withdraw"):
        return move(request, RequestStatus.WITHDRAWN, transitions=REQUEST_TRANSITIONS, decided_at=timezone.now())


@transaction.atomic
def desk_request_approve(
    *, request: DeskChangeRequest, desk: Desk, actor: Actor, note: str = ""
) -> DeskChangeRequest:
    """The team approves, choosing the desk: the resident's desk is released and ``desk`` assigned,
    in this one transaction. A desk taken meanwhile (or out of use) refuses the whole approval with
    a clear message; the resident then keeps its desk and the request stays open."""
    _ensure_manager(actor, request.resident)
    request = _lock(request)
    ensure_can_move(request, RequestStatus.APPROVED, transitions=REQUEST_TRANSITIONS)
    resident = request.resident
    if resident.status not in _CHECKED_IN:
        raise DomainError(_("%(resident)s is no longer checked in.") % {"resident": resident.name},
                          code="not_checked_in")
    current = DeskAssignment.objects.filter(resident=resident, ends_at__isnull=True).first()
    if current is not None and current.desk_id == desk.pk:
        raise DomainError(_("%(resident)s already sits at desk %(desk)s; choose another desk.")
                          % {"resident": resident.name, "desk": desk.code}, field="desk")
    note = (note or "").strip()[:REASON_MAX_LENGTH]
    with acting_as(actor, action="spaces.desk_request_approve"):
        # Module globals, so that a test can slow the release down to hold the transaction open.
        desk_release(resident=resident, actor=actor, note=_("desk change request %(number)s") % {"number": request.pk})
        assignment = desk_assign(resident=resident, desk=desk, actor=actor,
                                 note=_("desk change request %(number)s") % {"number": request.pk})
        request = move(
            request, RequestStatus.APPROVED, transitions=REQUEST_TRANSITIONS,
            decided_by=actor, decided_at=timezone.now(), decision_reason=note, assigned_desk=assignment.desk,
        )
    with community_language():
        body = _("Your new desk is %(desk)s (%(floor)s, %(zone)s). The previous desk is released.") % {
            "desk": assignment.desk.code, "floor": assignment.desk.floor, "zone": assignment.desk.zone,
        }
        notify(
            recipients=[resident.user],
            title=lambda: _("Desk change approved: %(desk)s") % {"desk": assignment.desk.code},
            body=f"{body} {note}".strip(),
            link=reverse("spaces:desk"),
            kind="spaces.desk_request_approved",
            dedupe_key=f"desk-request:{request.pk}:decided",
        )
    return request


@transaction.atomic
def desk_request_refuse(*, request: DeskChangeRequest, reason: str, actor: Actor) -> DeskChangeRequest:
    """The team refuses with a reason the resident reads (requested → refused); the desk stays."""
    _ensure_manager(actor, request.resident)
    reason = _required_text(reason, field="reason")
    request = _lock(request)
    with acting_as(actor, action="spaces.desk_request_refuse"):
        request = move(
            request, RequestStatus.REFUSED, transitions=REQUEST_TRANSITIONS,
            decided_by=actor, decided_at=timezone.now(), decision_reason=reason,
        )
    with community_language():
        notify(
            recipients=[request.resident.user],
            title=lambda: _("Desk change refused"),
            body=lambda: _("Reason: %(reason)s (Chapter 4, Article 1: desk changes need the approval of the daily "
                   "management team.)") % {"reason": reason},
            link=reverse("spaces:desk"),
            kind="spaces.desk_request_refused",
            dedupe_key=f"desk-request:{request.pk}:decided",
        )
    return request


def desk_requests_close_for_exit(*, resident: Any, exit: Any = None, actor: Actor | None) -> str:
    """Exit handler: an open desk change request of a leaving resident is withdrawn."""
    with acting_as(actor, action="spaces.desk_request_withdraw"):
        closed = DeskChangeRequest.objects.filter(resident=resident, status=RequestStatus.REQUESTED).update(
            status=RequestStatus.WITHDRAWN, decided_at=timezone.now(), decision_reason=_("withdrawn at exit")
        )
    return _("Open desk change request withdrawn.") if closed else ""


def _lock(request: DeskChangeRequest) -> DeskChangeRequest:
    return (
        DeskChangeRequest.objects.select_for_update(no_key=True, of=("self",))
        .select_related("resident__user")
        .get(pk=request.pk)
    )


def _ensure_manager(actor: Actor, resident: Any) -> None:
    if not is_desk_manager(actor):
        raise DomainError(
            _("Only the daily management team or the administrator decides desk changes (Chapter 4, Article 1)."),
            code="not_allowed",
        )
    ensure_not_own(actor, concerned_user=resident.user_id, what=_("a desk change request of your own account"))


def _required_text(value: str | None, *, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(_("Please fill this in."), field=field)
    if len(value) > REASON_MAX_LENGTH:
        raise DomainError(_("At most %(limit)s characters, please.") % {"limit": REASON_MAX_LENGTH}, field=field)
    return value

