"""Reads of the discipline app used by other apps' paths."""

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from discipline.models import Suspension, SuspensionScope


def _in_force(resident_id: int, at: datetime) -> QuerySet[Suspension]:
    """The resident's suspensions in force at ``at``: started, not lifted, not ended (or "until paid")."""
    return Suspension.objects.filter(
        resident_id=resident_id, starts_at__lte=at, lifted_at__isnull=True
    ).filter(Q(ends_at__gt=at) | Q(ends_at__isnull=True))


def active_suspension(resident_id: int, scope: str, *, at: datetime | None = None) -> Suspension | None:
    """The suspension that blocks ``scope`` for the resident at ``at`` (default now), or None (one query).

    A community-wide suspension blocks every scope. Booking, voucher and portal paths all call this.
    """
    at = at or timezone.now()
    return (
        _in_force(resident_id, at)
        .filter(scope__in={scope, SuspensionScope.COMMUNITY})
        .order_by("ends_at")
        .first()
    )


def active_suspensions(resident_id: int, *, at: datetime | None = None) -> list[Suspension]:
    """Every suspension in force for the resident (the portal tells the resident what is blocked and until
    when; one query, the invoice an "until paid" suspension waits for joined)."""
    at = at or timezone.now()
    return list(_in_force(resident_id, at).select_related("until_paid").order_by("scope", "ends_at"))
