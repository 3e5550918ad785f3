"""Reads of the desk register: free desks, who sits where (one query each)."""

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from spaces.models import Desk, DeskAssignment


def _open_assignments() -> QuerySet[DeskAssignment]:
    return DeskAssignment.objects.filter(ends_at__isnull=True)


def free_desks() -> QuerySet[Desk]:
    """Desks in use (``is_active``) with no open assignment, by floor, zone and code."""
    return Desk.objects.filter(is_active=True).exclude(
        Exists(_open_assignments().filter(desk=OuterRef("pk")))
    )


def desks_with_occupant() -> QuerySet[Desk]:
    """Every desk annotated with ``occupant_name`` and ``occupant_id`` (None when free), in one query."""
    current = _open_assignments().filter(desk=OuterRef("pk"))
    return Desk.objects.annotate(
        occupant_id=Subquery(current.values("resident_id")[:1]),
        occupant_name=Subquery(current.values("resident__name")[:1]),
        assigned_at=Subquery(current.values("starts_at")[:1]),
    )


def current_desk_assignment(resident: Any) -> DeskAssignment | None:
    """The resident's open desk assignment with its desk, or None (one query)."""
    return _open_assignments().select_related("desk").filter(resident=resident).first()
