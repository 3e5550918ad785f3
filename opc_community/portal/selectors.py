"""Read queries of the portal: one person's inbox, scoped to that person."""

from typing import Any

from django.db.models import QuerySet

from opc_community.portal.models import Notification


def inbox_for(user: Any) -> QuerySet[Notification]:
    """The user's own notifications, newest first; nothing at all for an anonymous visitor.

    Every view and API endpoint fetches notifications through this queryset, so
    another person's notification is simply not found (404), never forbidden.
    """
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(user: Any) -> int:
    """How many of the user's notifications are unread (one COUNT query; 0 for anonymous)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return inbox_for(user).filter(read_at__isnull=True).count()


def latest_unread(user: Any, *, limit: int = 3) -> list[Notification]:
    """The newest unread notifications, for the dashboard's "unread messages" card (one query)."""
    return list(inbox_for(user).filter(read_at__isnull=True)[:limit])
