"""Who does something: the ``actor`` of every service.

An actor is a signed-in person — a member of staff or a resident's portal account — so its type is
the user model. Services that jobs also call (the system acting, recorded as nobody in the audit
trail) take ``Actor | None``.
"""

from typing import TypeAlias

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from opc_community.accounts.models import User

#: The person a service acts for (``request.user`` of a signed-in request).
Actor: TypeAlias = User


def actor_of(request: HttpRequest) -> Actor:
    """The signed-in user of a request (admin and portal views require login before they run)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


__all__ = ["Actor", "actor_of"]
