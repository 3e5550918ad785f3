"""Reads of mediations (调解, 第四章第三条 2): a party's own, the team's queue, the overdue ones.

A party sees a mediation it requested or is the other party of — through :func:`mediations_of`,
so that anyone else's id is simply not found (404). Nothing here is ever on the public board.
"""

from collections.abc import Iterator
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet

from residents.models import Mediation, MediationStatement, MediationStatus, Resident
from residents.rules import complaints as sla

#: Statuses waiting for the team: a session to schedule, or a session to hold and record.
WAITING = (MediationStatus.REQUESTED, MediationStatus.SCHEDULED)


def mediations_of(resident: Resident) -> QuerySet[Mediation]:
    """Mediations the resident is a party of (either side), newest first, with both parties."""
    return (
        Mediation.objects.filter(Q(requester=resident) | Q(respondent=resident))
        .select_related("requester", "respondent")
        .order_by("-filed_at", "-id")
    )


def with_statements(queryset: QuerySet[Mediation]) -> QuerySet[Mediation]:
    """Mediations with their statements prefetched as ``thread`` (oldest first)."""
    return queryset.select_related("requester", "respondent", "handled_by").prefetch_related(
        Prefetch(
            "statements",
            queryset=MediationStatement.objects.select_related("author").order_by("at", "id"),
            to_attr="thread",
        )
    )


def schedule_overdue_q(now: datetime) -> Q:
    """No session scheduled yet and its due day is over (residents.rules.complaints.is_overdue_now)."""
    return Q(status=MediationStatus.REQUESTED, schedule_due_at__lt=sla.overdue_cutoff(now))


def close_overdue_q(now: datetime) -> Q:
    """Not closed and the closing's due day is over."""
    return Q(status__in=WAITING, close_due_at__lt=sla.overdue_cutoff(now))


def mediation_queue() -> QuerySet[Mediation]:
    """Every mediation for staff, waiting ones first by their closing deadline."""
    return Mediation.objects.select_related("requester", "respondent", "handled_by").order_by("close_due_at", "-id")


def overdue_deadlines(*, now: datetime) -> Iterator[tuple[Mediation, str]]:
    """(mediation, "schedule" | "close") for every deadline missed now (two queries)."""
    for mediation in Mediation.objects.filter(schedule_overdue_q(now)).select_related("requester", "respondent"):
        yield mediation, "schedule"
    for mediation in Mediation.objects.filter(close_overdue_q(now)).select_related("requester", "respondent"):
        yield mediation, "close"


def deadline_states(mediation: Mediation, *, now: datetime) -> dict[str, sla.SlaState]:
    """Where both deadlines stand (met / late / pending / overdue), as for complaints."""
    closed_at = mediation.closed_at
    return {
        "schedule": sla.sla_state(due_at=mediation.schedule_due_at, done_at=mediation.scheduled_at, now=now),
        "close": sla.sla_state(due_at=mediation.close_due_at, done_at=closed_at, now=now),
    }


def provisional_mediations() -> QuerySet[Mediation]:
    return Mediation.objects.filter(due_provisional=True, status__in=WAITING)
