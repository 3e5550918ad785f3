"""Template context shared by every portal page."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from opc_community.portal.selectors import unread_count


def portal(request: HttpRequest) -> dict[str, Any]:
    """``unread_notifications``: the unread badge, counted only if a template reads it.

    Lazy: no query on pages that do not show the badge (the admin, e-mails rendered
    during a request), and at most one COUNT per page however often it is shown;
    anonymous visitors get 0 without any notification query.
    """
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(request.user))}
