"""Throttled logins (django-axes): who is locked, from where, and what they are told.

Every login form (portal, admin, the API token endpoint) and every two-factor code goes
through ``django.contrib.auth.authenticate`` or :func:`opc_community.accounts.two_factor.verify`,
which report failures to axes. :class:`LoginAttemptsHandler` locks an account after
``LOGIN_FAILURE_LIMITS["username"]`` failures and a client address after
``LOGIN_FAILURE_LIMITS["ip_address"]`` failures within ``LOGIN_FAILURE_WINDOW``; the lock
ends that long after the failure that set it. Each failure, lock-out and refused attempt
is a :class:`~opc_community.accounts.models.SecurityEvent` (so it is in the audit trail).
"""

import ipaddress
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from opc_community.accounts.models import SecurityEventKind, User
from opc_community.accounts.services import security_event_record
from opc_community.core.errors import DomainError

_USERNAME = User.USERNAME_FIELD
_USERNAME_MAX_LENGTH = User._meta.get_field(_USERNAME).max_length


class LockedOut(DomainError):
    """A login refused because the account or the client address is locked (HTTP 429)."""

    status_code = 429
    default_code = "locked_out"


def lockout_message() -> str:
    minutes = int(settings.LOGIN_FAILURE_WINDOW.total_seconds() // 60)
    return _("Too many failed logins: logging in is refused for %(minutes)s minutes. Try again later.") % {
        "minutes": minutes
    }


def attempted_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """The user name as typed (AXES_USERNAME_CALLABLE), fit for PostgreSQL's attempts table: without
    NUL characters (refused in text columns) and cut to the user model's length (no account is longer)."""
    source = credentials if credentials else getattr(request, "data", None) or request.POST
    value = source.get(_USERNAME)
    if value is None:
        return None
    return str(value).replace("\x00", "")[:_USERNAME_MAX_LENGTH]


def client_ip(request: HttpRequest) -> str | None:
    """The client's address (AXES_CLIENT_IP_CALLABLE; also the key of the sign-up rate limit).

    Behind ``TRUSTED_PROXY_COUNT`` reverse proxies, each appending the address it was reached
    from to X-Forwarded-For, the client is the entry that many places from the end; entries
    before it were written by the client and are ignored. Without proxies: the TCP peer.
    """
    address = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the page or API answer of the refused login already says why
    (the forms and the token endpoint show :func:`lockout_message`); it only gets status 429."""
    response = original_response or HttpResponse(lockout_message(), content_type="text/plain; charset=utf-8")
    response.status_code = 429
    return response


class LoginAttemptsHandler(AxesDatabaseHandler):
    """Axes' database handler with one limit per lock-out parameter, and an audit row per event."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """Failures counted against AXES_FAILURE_LIMIT (the account's limit).

        Axes compares one number with one limit; the client address has a higher limit of its
        own, so an address that reached it reports the account limit (locked), otherwise the
        account's failures are reported.
        """
        parameters = settings.AXES_LOCKOUT_PARAMETERS
        counts = [
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        failures = dict(zip(parameters, counts, strict=True))
        if any(failures[name] >= settings.LOGIN_FAILURE_LIMITS[name] for name in parameters):
            return settings.AXES_FAILURE_LIMIT
        return failures["username"]

    def user_login_failed(self, sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any) -> None:
        if request is None:
            return super().user_login_failed(sender, credentials, request, **kwargs)
        already_locked = request.axes_locked_out  # set by the backend when it refused the attempt
        super().user_login_failed(sender, credentials, request, **kwargs)
        if already_locked:
            kind = SecurityEventKind.REFUSED
        elif request.axes_locked_out:
            kind = SecurityEventKind.LOCKED_OUT
        elif credentials.get("second_factor"):
            kind = SecurityEventKind.CODE_FAILED
        else:
            kind = SecurityEventKind.LOGIN_FAILED
        security_event_record(
            kind=kind,
            username=attempted_username(request, credentials) or "",
            ip_address=request.axes_ip_address,
            path=request.axes_path_info,
        )
