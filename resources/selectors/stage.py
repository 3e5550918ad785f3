"""Reads of the full-cycle services (全周期创业服务, 第五章第三条): the catalogue, a resident's requests,
the staff queue with the SLA (the complaint helpers), overdue deadlines and the archive section."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from residents.models import Resident
from residents.rules.complaints import overdue_cutoff
from resources.models import OPEN_STATUSES, ServiceRequest, ServiceStage, StageService
from resources.rules import stage as rules

ARCHIVE_LABEL = gettext_lazy("Start-up services")


def catalogue() -> dict[str, list[StageService]]:
    """The services offered, by stage in the stage order (one query)."""
    by_stage: dict[str, list[StageService]] = {stage: [] for stage in ServiceStage.values}
    for service in StageService.objects.filter(is_active=True).order_by("stage", "order", "title"):
        by_stage[service.stage].append(service)
    return by_stage


def offered() -> QuerySet[StageService]:
    return StageService.objects.filter(is_active=True)


def requests_of(resident: Resident) -> QuerySet[ServiceRequest]:
    """A resident's own requests, newest first: the only way the portal and the API read them."""
    return ServiceRequest.objects.filter(resident=resident).select_related("service", "handler")


def response_overdue_q(now: datetime) -> Q:
    return Q(status__in=OPEN_STATUSES, responded_at__isnull=True, response_due_at__lt=overdue_cutoff(now))


def resolution_overdue_q(now: datetime) -> Q:
    return Q(status__in=OPEN_STATUSES, resolution_due_at__lt=overdue_cutoff(now))


def overdue_q(now: datetime) -> Q:
    """Open requests with a missed deadline — the same cut-off as :func:`rules.overdue_kinds`."""
    return response_overdue_q(now) | resolution_overdue_q(now)


def queue() -> QuerySet[ServiceRequest]:
    """Every request for staff, open ones by their soonest deadline."""
    return ServiceRequest.objects.select_related("service", "resident", "handler").order_by(
        "closed_at", "cancelled_at", "response_due_at", "pk")


def overdue_deadlines(*, now: datetime) -> Iterator[tuple[ServiceRequest, rules.DueKind]]:
    """Each missed deadline of an open request: (request, RESPONSE or SOLUTION). Two queries."""
    base = ServiceRequest.objects.select_related("resident", "service").order_by("pk")
    for request in base.filter(response_overdue_q(now)):
        yield request, rules.DueKind.RESPONSE
    for request in base.filter(resolution_overdue_q(now)):
        yield request, rules.DueKind.SOLUTION


def overdue_kinds(request: ServiceRequest, *, now: datetime | None = None) -> list[rules.DueKind]:
    return rules.overdue_kinds(status=request.status, responded_at=request.responded_at,
                               response_due_at=request.response_due_at,
                               resolution_due_at=request.resolution_due_at, now=now or timezone.now())


def sla_states(request: ServiceRequest, *, now: datetime | None = None) -> tuple[rules.SlaState, rules.SlaState | None]:
    """(response, resolution) state of one request."""
    now = now or timezone.now()
    response = rules.response_state(response_due_at=request.response_due_at, responded_at=request.responded_at,
                                    now=now)
    return response, rules.resolution_state(resolution_due_at=request.resolution_due_at,
                                            closed_at=request.closed_at, status=request.status, now=now)


def archive_entries(resident: Any) -> list[Any]:
    """The resident's service requests as archive lines: filed, closed (with the rating) or cancelled (one query)."""
    from residents.selectors.archive import Entry, _name

    entries = []
    for request in requests_of(resident).order_by("filed_at", "pk"):
        entries.append(Entry(at=request.filed_at, section="service",
                             title=_("Requested the service %(service)s") % {"service": request.service.title},
                             detail=request.need[:120]))
        if request.closed_at:
            detail = request.result[:120]
            if request.rating:
                detail = " · ".join(part for part in (
                    detail, _("satisfaction %(rating)s/5") % {"rating": request.rating}) if part)
            entries.append(Entry(at=request.closed_at, section="service",
                                 title=_("Service %(service)s closed") % {"service": request.service.title},
                                 detail=detail, actor=_name(request.handler) if request.handler_id else ""))
        if request.cancelled_at:
            entries.append(Entry(at=request.cancelled_at, section="service",
                                 title=_("Service request %(service)s cancelled") % {"service": request.service.title},
                                 detail=request.cancel_reason))
    return sorted(entries, key=lambda entry: entry.at)
