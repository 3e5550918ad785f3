"""Who may use what: role checks shared by portal views, the API and services."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import BasePermission

from opc_community.accounts.roles import Role


def has_role(user: Any, *roles: str) -> bool:
    """True when the active user belongs to one of the role groups (superusers hold every role)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._role_names = cached
    return bool(cached.intersection(roles))


def is_resident(user: Any) -> bool:
    return has_role(user, Role.RESIDENT) and not user.is_superuser


def is_staff_member(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False)) and has_role(user, *Role.STAFF)


def is_staff_account(user: Any) -> bool:
    """An account of the organisation: staff flag, superuser, or any staff role (oversight included)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff or user.is_superuser) or has_role(user, *Role.STAFF)


def is_oversight_only(user: Any) -> bool:
    """Oversight (社区组织) without any operational role: reads everything, writes only revision approvals."""
    operational = tuple(role for role in Role.STAFF if role != Role.OVERSIGHT)
    return has_role(user, Role.OVERSIGHT) and not user.is_superuser and not has_role(user, *operational)


def role_required(*roles: str) -> Callable:
    """View decorator: logged in (else redirect to login) and in one of ``roles`` (else 403)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


resident_required = role_required(Role.RESIDENT)


class HasRole(BasePermission):
    """DRF permission: ``permission_classes = [HasRole.of(Role.INTAKE, Role.ADMINISTRATOR)]``."""

    roles: tuple[str, ...] = ()

    @classmethod
    def of(cls, *roles: str) -> type["HasRole"]:
        return type(f"HasRole_{len(roles)}", (cls,), {"roles": roles})

    def has_permission(self, request: HttpRequest, view: Any) -> bool:
        return has_role(request.user, *self.roles)
