"""Who may use the residents' portal pages and API (RULEBOOK §1: a resident sees only its own records).

Every resident page is wrapped in :func:`resident_required`; it puts the caller's
own :class:`~residents.models.Resident` on ``request.resident``, and views fetch
records *through* it (``request.resident.invoices.get(pk=...)``), so another
resident's id is simply not found (404).
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from rest_framework.permissions import BasePermission

from opc_community import rulebook
from residents.models import Resident, ResidentStatus


def resident_of(user: Any) -> Resident | None:
    """The user's live resident record, else the latest exited one, else None (one query)."""
    if not getattr(user, "is_authenticated", False):
        return None
    exited_last = Case(When(status=ResidentStatus.EXITED, then=1), default=0)
    return (
        Resident.objects.select_related("application")
        .filter(user=user)
        .order_by(exited_last, "-created_at", "-id")
        .first()
    )


def current_resident(request: HttpRequest) -> Resident | None:
    """The requesting user's resident record, looked up once per request."""
    if not hasattr(request, "_current_resident"):
        request._current_resident = resident_of(request.user)
    return request._current_resident


def has_acknowledged_rules(resident: Resident) -> bool:
    """岗前告知 (第三章第二条): acknowledged the rulebook version in force today."""
    return resident.acknowledgements.filter(rulebook_version=rulebook.in_force().version).exists()


def resident_required(
    view: Callable[..., HttpResponse] | None = None, *, checked_in: bool = True, oriented: bool = True
) -> Callable:
    """Login required; the user must be a resident, checked in (unless ``checked_in=False``) and,
    unless ``oriented=False``, must have acknowledged the rules in force (else: the orientation page)."""

    def decorator(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(func)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            resident = resident_of(request.user)
            if resident is None or resident.status == ResidentStatus.EXITED:
                raise PermissionDenied
            if checked_in and resident.status not in (ResidentStatus.ACTIVE, ResidentStatus.EXITING):
                raise PermissionDenied
            if oriented and checked_in and not has_acknowledged_rules(resident):
                return redirect("residents:orientation")
            request.resident = resident
            return func(request, *args, **kwargs)

        return wrapped

    return decorator(view) if view is not None else decorator


class IsResident(BasePermission):
    """DRF: the caller is a resident (not exited); ``request.resident`` is set for the view's queryset."""

    def has_permission(self, request: Any, view: Any) -> bool:
        resident = resident_of(request.user)
        if resident is None or resident.status == ResidentStatus.EXITED:
            return False
        request.resident = resident
        return True
