"""Reads of promotion and event permits: a resident's own, the team's queue, one permit with its bookings."""

from typing import Any

from django.db.models import Prefetch, QuerySet

from spaces.models import Booking, Permit, Room

_RELATED = ("resident", "decided_by")


def permits() -> QuerySet[Permit]:
    """Every permit with its resident and decider (one query per page)."""
    return Permit.objects.select_related(*_RELATED).order_by("-requested_at", "-pk")


def permits_of(resident: Any) -> QuerySet[Permit]:
    """The resident's own permits, newest application first (the portal and the API fetch through this)."""
    return permits().filter(resident=resident)


def with_bookings(queryset: QuerySet[Permit]) -> QuerySet[Permit]:
    """Adds ``permit.room_bookings``: the permit's bookings with their rooms (one more query in all)."""
    return queryset.prefetch_related(
        Prefetch(
            "bookings",
            queryset=Booking.objects.select_related("room").order_by("starts_at", "pk"),
            to_attr="room_bookings",
        )
    )


def bookable_rooms() -> QuerySet[Room]:
    """Rooms open for booking, by type and code (the booking rules decide the rest)."""
    return Room.objects.filter(is_active=True).order_by("room_type", "code")
