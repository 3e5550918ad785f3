"""Full-cycle start-up services (全周期创业服务, 第五章第三条): every state change of a service request.

Who does what:

- a checked-in resident (its own requests only) requests a service saying what it needs
  (``Action.REQUEST_SERVICE``: a suspension of the resources or community scope refuses it), cancels
  it while open, and rates it (1–5 and a comment) once it is closed;
- the resources team and the administrator ("handlers") assign a handler, respond (the first
  response: due within ``stage_services.response_working_days`` working days) and close the request
  with its result (due within ``stage_services.resolution_working_days``); nobody handles a request
  of their own account;
- the daily job tells the handlers of every missed deadline once (dedupe key per request, deadline
  and due day); leaving the community cancels the open requests (exit handler).

Every step locks the row (``select_for_update(no_key=True)``), moves the status through
``SERVICE_REQUEST_TRANSITIONS``, is audited (``acting_as``) and tells the other side in the inbox.
"""

from datetime import datetime
from typing import Any, NoReturn

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from opc_community import rulebook, workdays
from opc_community.accounts.actors import Actor
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.accounts.models import User
from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.core.i18n import community_language
from opc_community.core.moments import format_day
from opc_community.core.transitions import move
from opc_community.portal.services import notify
from opc_community.workdays.rules import local_date
from residents.guards import Action, ensure_allowed
from residents.models import Resident, ResidentStatus
from resources.models import (
    OPEN_STATUSES,
    REQUEST_OPEN_ONCE,
    SERVICE_REQUEST_TRANSITIONS,
    RequestStatus,
    ServiceRequest,
    StageService,
)
from resources.rules import stage as rules

#: Who handles service requests (第二章: 资源赋能组; the administrator runs everything).
HANDLERS = (Role.RESOURCES, Role.ADMINISTRATOR)
TEXT_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 300


def is_handler(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False)) and has_role(user, *HANDLERS)


def _refuse(message: Any, *, field: str | None = None, code: str = "invalid") -> NoReturn:
    raise DomainError(message, field=field, code=code)


def _text(value: str, *, field: str, message: str, max_length: int = TEXT_MAX_LENGTH) -> str:
    text = (value or "").strip()
    if not text:
        _refuse(message, field=field)
    if len(text) > max_length:
        _refuse(_("At most %(count)d characters.") % {"count": max_length}, field=field)
    return text


def _ensure_handler(actor: Actor, request: ServiceRequest) -> None:
    if not is_handler(actor):
        _refuse(_("Only the resources team or the administrator handles service requests."), code="not_allowed")
    ensure_not_own(actor, concerned_user=request.resident.user_id, what=_("a service request"))


def _lock(request: ServiceRequest) -> ServiceRequest:
    return ServiceRequest.objects.select_for_update(no_key=True).select_related("service", "resident__user").get(
        pk=request.pk)


def _short(text: str) -> str:
    return Truncator(text).chars(40)


def _resident_link(request: ServiceRequest) -> str:
    return reverse("resources:service_request", args=[request.pk])


def _staff_link(request: ServiceRequest) -> str:
    return reverse("admin:resources_servicerequest_change", args=[request.pk])


def _team() -> list[User]:
    return list(members_of(*HANDLERS))


# --- The resident's steps ------------------------------------------------------------------------------------


@transaction.atomic
def request_submit(*, service: StageService, resident: Resident, need: str, actor: Actor) -> ServiceRequest:
    """A checked-in resident requests a service (第五章第三条); the response is due within
    ``stage_services.response_working_days`` and the resolution within ``resolution_working_days``
    working days of the filing (rule data, RULEBOOK §2)."""
    if getattr(actor, "pk", None) != resident.user_id:
        _refuse(_("Only the resident itself requests a service in the portal."), code="not_allowed")
    if resident.status not in (ResidentStatus.ACTIVE, ResidentStatus.EXITING):
        _refuse(_("Services are requested after check-in."), field="resident", code="not_checked_in")
    ensure_allowed(resident, Action.REQUEST_SERVICE)
    if not service.is_active:
        _refuse(_("The service “%(service)s” is not offered now.") % {"service": service.title}, field="service")
    need = _text(need, field="need", message=_("Describe what you need from this service."))
    filed_at = timezone.now()
    book = rulebook.in_force(on=local_date(filed_at))
    response = workdays.deadline(filed_at, book.stage_services.response_working_days)
    resolution = workdays.deadline(filed_at, book.stage_services.resolution_working_days)
    try:
        with transaction.atomic(), acting_as(actor, action="resources.service_request"):
            request = ServiceRequest.objects.create(
                service=service, resident=resident, need=need, filed_at=filed_at, response_due_at=response.at,
                resolution_due_at=resolution.at, due_provisional=response.provisional or resolution.provisional,
            )
    except IntegrityError as error:
        if REQUEST_OPEN_ONCE not in str(error):
            raise
        first = ServiceRequest.objects.filter(resident=resident, service=service, status__in=OPEN_STATUSES).first()
        raise ConflictError(
            _("You already have an open request for “%(service)s” (filed %(filed)s): add to it or wait for its result.")
            % {"service": service.title, "filed": format_day(first.filed_at) if first else ""},
            code="already_requested", details={"request": first.pk if first else None},
        ) from error
    with community_language():
        when = _("Respond by %(response)s, resolve by %(resolution)s (Chapter 5, Article 3).") % {
            "response": format_day(response.at), "resolution": format_day(resolution.at)}
        notify(
            recipients=[user for user in _team() if user.pk != resident.user_id],
            title=lambda: _("New service request: %(service)s") % {"service": service.title},
            body=lambda: _("%(resident)s: %(need)s. %(when)s") % {
                "resident": resident.name, "need": _short(need), "when": when},
            link=_staff_link(request), kind="resources.service_requested",
            dedupe_key=f"service-request:{request.pk}:filed",
        )
    return request


@transaction.atomic
def request_cancel(*, request: ServiceRequest, actor: Actor, reason: str = "") -> ServiceRequest:
    """The resident withdraws its request while it is open."""
    request = _lock(request)
    if getattr(actor, "pk", None) != request.resident.user_id:
        _refuse(_("Only the resident who requested the service cancels it."), code="not_allowed")
    if not rules.may_cancel(request.status):
        raise InvalidTransition(_("This request is “%(status)s” and can no longer be cancelled.")
                                % {"status": request.get_status_display()})
    with acting_as(actor, action="resources.service_request_cancel"):
        return move(request, RequestStatus.CANCELLED, transitions=SERVICE_REQUEST_TRANSITIONS,
                    cancelled_at=timezone.now(), cancel_reason=(reason or "").strip()[:REASON_MAX_LENGTH])


@transaction.atomic
def request_rate(*, request: ServiceRequest, rating: Any, comment: str = "", actor: Actor) -> ServiceRequest:
    """The resident rates a closed request once: 1 (very dissatisfied) to 5 (very satisfied) and a comment."""
    request = _lock(request)
    if getattr(actor, "pk", None) != request.resident.user_id:
        _refuse(_("Only the resident who requested the service rates it."), code="not_allowed")
    if not rules.may_rate(request.status, request.rating is not None):
        raise InvalidTransition(_("A service is rated once, after it is closed."))
    try:
        value = int(rating)
    except (TypeError, ValueError):
        value = 0
    if not rules.RATING_MIN <= value <= rules.RATING_MAX:
        _refuse(_("Rate the service from 1 (very dissatisfied) to 5 (very satisfied)."), field="rating")
    comment = (comment or "").strip()
    if len(comment) > TEXT_MAX_LENGTH:
        _refuse(_("At most %(count)d characters.") % {"count": TEXT_MAX_LENGTH}, field="comment")
    with acting_as(actor, action="resources.service_request_rate"):
        request.rating, request.rating_comment, request.rated_at = value, comment, timezone.now()
        request.save(update_fields=["rating", "rating_comment", "rated_at"])
    if request.handler_id and value <= 2:
        handler = request.handler
        notify(recipients=[handler],
               title=lambda: _("Low satisfaction: %(service)s") % {"service": request.service.title},
               body=comment or (lambda: _("Rated %(rating)s of 5.") % {"rating": value}),
               link=_staff_link(request), kind="resources.service_rated_low",
               dedupe_key=f"service-request:{request.pk}:rated-low")
    return request


# --- The handlers' steps ----------------------------------------------------------------------------------


@transaction.atomic
def request_assign(*, request: ServiceRequest, handler: User, actor: Actor) -> ServiceRequest:
    """Give an open request to a handler (the resources team or the administrator)."""
    _ensure_handler(actor, request)
    request = _lock(request)
    if request.status not in OPEN_STATUSES:
        raise InvalidTransition(_("Only an open request gets a handler."))
    if not is_handler(handler):
        _refuse(_("The handler must be a member of the resources team or the administrator."), field="handler")
    ensure_not_own(handler, concerned_user=request.resident.user_id, what=_("a service request"))
    with acting_as(actor, action="resources.service_request_assign"):
        request.handler = handler
        request.save(update_fields=["handler"])
    if handler.pk != getattr(actor, "pk", None):
        notify(recipients=[handler],
               title=lambda: _("Service request assigned to you: %(service)s") % {"service": request.service.title},
               body=lambda: _("Respond by %(due)s.") % {"due": format_day(request.response_due_at)},
               link=_staff_link(request), kind="resources.service_assigned")
    return request


@transaction.atomic
def request_respond(*, request: ServiceRequest, text: str, actor: Actor) -> ServiceRequest:
    """The first response (submitted → in progress); the responder becomes the handler if none was assigned."""
    _ensure_handler(actor, request)
    text = _text(text, field="response", message=_("Write the response the resident receives."))
    request = _lock(request)
    if request.status != RequestStatus.SUBMITTED:
        raise InvalidTransition(_("This request was already answered."))
    with acting_as(actor, action="resources.service_request_respond"):
        request = move(request, RequestStatus.IN_PROGRESS, transitions=SERVICE_REQUEST_TRANSITIONS,
                       responded_at=timezone.now(), response=text, handler=request.handler or actor)
    notify(recipients=[request.resident.user],
           title=lambda: _("Your service request was answered: %(service)s") % {"service": request.service.title},
           body=text, link=_resident_link(request), kind="resources.service_responded",
           dedupe_key=f"service-request:{request.pk}:responded")
    return request


@transaction.atomic
def request_close(*, request: ServiceRequest, result: str, actor: Actor) -> ServiceRequest:
    """Close with the result; a request closed without a response counts as answered at the same moment."""
    _ensure_handler(actor, request)
    result = _text(result, field="result", message=_("Write the result the resident receives."))
    request = _lock(request)
    if request.status not in OPEN_STATUSES:
        raise InvalidTransition(_("This request is already “%(status)s”.") % {"status": request.get_status_display()})
    now = timezone.now()
    with acting_as(actor, action="resources.service_request_close"):
        request = move(request, RequestStatus.CLOSED, transitions=SERVICE_REQUEST_TRANSITIONS,
                       closed_at=now, result=result, responded_at=request.responded_at or now,
                       response=request.response or result, handler=request.handler or actor)
    notify(recipients=[request.resident.user],
           title=lambda: _("Your service request was closed: %(service)s") % {"service": request.service.title},
           body=lambda: _("%(result)s\nPlease rate the service in the portal.") % {"result": result},
           link=_resident_link(request), kind="resources.service_closed",
           dedupe_key=f"service-request:{request.pk}:closed")
    return request


# --- Jobs and exit --------------------------------------------------------------------------------------------


def overdue_flag_key(request_id: int, kind: str, due_at: datetime) -> str:
    return f"service-request:{request_id}:{kind}-overdue:{local_date(due_at).isoformat()}"


def requests_flag_overdue(*, now: datetime | None = None) -> int:
    """Tell the handler (or, without one, the resources team) of every missed deadline, once per request,
    deadline and due day (idempotent). Returns how many notifications were created."""
    from resources.selectors.stage import overdue_deadlines

    now = now or timezone.now()
    team = _team()
    created = 0
    with community_language():
        for request, kind in overdue_deadlines(now=now):
            due = request.response_due_at if kind == rules.DueKind.RESPONSE else request.resolution_due_at
            title = (_("Service request response overdue: %(service)s") if kind == rules.DueKind.RESPONSE
                     else _("Service request resolution overdue: %(service)s"))
            recipients = [request.handler] if request.handler_id else team
            created += len(notify(
                recipients=[user for user in recipients if user.pk != request.resident.user_id],
                title=title % {"service": request.service.title},
                body=_("%(resident)s requested it on %(filed)s; it was due by %(due)s (Chapter 5, Article 3).")
                % {"resident": request.resident.name, "filed": format_day(request.filed_at), "due": format_day(due)},
                link=_staff_link(request), kind=f"resources.service_{kind}_overdue",
                dedupe_key=overdue_flag_key(request.pk, kind, due),
            ))
    return created


def close_open_for_exit(*, resident: Resident, exit: Any, actor: Actor) -> str:
    """Exit handler (第三章第四条): the resident's open service requests are cancelled with the exit as reason."""
    now = timezone.now()
    open_requests = ServiceRequest.objects.filter(resident=resident, status__in=OPEN_STATUSES)
    with acting_as(actor, action="resources.service_request_cancel_for_exit"):
        count = open_requests.update(status=RequestStatus.CANCELLED, cancelled_at=now,
                                     cancel_reason=_("The resident left the community."))
    if not count:
        return _("No open service requests.")
    return _("Open service requests cancelled: %(count)s.") % {"count": count}
