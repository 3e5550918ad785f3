"""Reads of the discipline app used by other apps' paths."""

from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from discipline.models import Suspension, SuspensionScope


def active_suspension(resident_id: int, scope: str, *, at: datetime | None = None) -> Suspension | None:
    """The suspension that blocks ``scope`` for the resident at ``at`` (default now), or None (one query).

    A community-wide suspension blocks every scope. Booking, voucher and portal paths all call this.
    """
    at = at or timezone.now()
    return (
        Suspension.objects.filter(
            resident_id=resident_id,
            scope__in={scope, SuspensionScope.COMMUNITY},
            starts_at__lte=at,
            lifted_at__isnull=True,
        )
        .filter(Q(ends_at__gt=at) | Q(ends_at__isnull=True))
        .order_by("ends_at")
        .first()
    )
