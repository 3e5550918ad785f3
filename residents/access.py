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
from django.db.models import Case, Model, QuerySet, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
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


def own_or_staff_record(
    request: HttpRequest, pk: int, *, model: type[Model], permission: str, own: Callable[[Resident], QuerySet]
) -> Any:
    """Record ``pk`` for a private download: any, for staff holding ``permission``; else only one of the
    requester's own (``own(resident)``; a former resident has none). Anyone else gets 404."""
    user: Any = request.user
    if user.is_staff and user.has_perm(permission):
        return get_object_or_404(model, pk=pk)
    resident = resident_of(user)
    if resident is None or resident.status == ResidentStatus.EXITED:
        raise Http404
    return get_object_or_404(own(resident), pk=pk)


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


# --- Endpoints that staff and residents share ---------------------------------------------------------

STAFF, RESIDENT = "staff", "resident"


def staff_or_resident(is_staff_reader: Callable[[Any], bool]) -> type[BasePermission]:
    """DRF permission of an endpoint that staff and residents share: staff for whom
    ``is_staff_reader(user)`` holds, or a resident (not exited; ``request.resident`` set);
    anyone else is refused. :func:`audience` then tells the view which of the two it serves."""

    class StaffOrResident(BasePermission):
        def has_permission(self, request: Any, view: Any) -> bool:
            if is_staff_reader(request.user):
                request.audience = STAFF
                return True
            if IsResident().has_permission(request, view):
                request.audience = RESIDENT
                return True
            return False

    return StaffOrResident


def staff_holding(permission: str) -> Callable[[Any], bool]:
    """``is_staff_reader`` for :func:`staff_or_resident`: a staff user holding ``permission``."""
    return lambda user: bool(getattr(user, "is_staff", False) and user.has_perm(permission))


def audience(request: Any) -> str | None:
    """``STAFF`` or ``RESIDENT`` once :func:`staff_or_resident` admitted the request, else None."""
    return getattr(request, "audience", None)

