"""Two-factor authentication of staff: a TOTP authenticator app (django-otp's ``otp_totp``).

Who: the administrator and oversight roles (and superusers) must enrol one; other staff may.
A person with an enrolled authenticator gives its code after the password on every login
(portal or admin); a person who must enrol and has not is sent to enrolment. Until then the
session reaches nothing but the two-factor pages and logging out (``TwoFactorMiddleware``), so
neither the admin nor the API can be used with the password alone; the API token endpoint
asks for the code too.

What the session holds: :data:`STEP_KEY` (``"enrol"`` or ``"verify"``) while the second factor is
outstanding, set at login by :func:`opc_community.accounts.sessions.apply_login_policy`; once given,
django-otp's device id. Both are read from the session, so checking costs no query;
resetting a person's authenticators ends their sessions (``services.two_factor_reset``).
"""

from base64 import b32encode
from binascii import unhexlify
from typing import Any
from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from opc_community.accounts.lockout import LockedOut, lockout_message
from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.accounts.services import WRONG_CODE
from opc_community.core.errors import DomainError

STEP_KEY = "opc_two_factor"
ENROL = "enrol"
VERIFY = "verify"
#: The secret offered on the enrolment page until a code confirms it (kept across reloads).
PENDING_KEY = "opc_two_factor_key"


class TwoFactorRequired(DomainError):
    status_code = 403
    default_code = "two_factor_required"


def requires_two_factor(user: Any) -> bool:
    """The administrator and oversight roles hold every record: they must use a second factor."""
    return has_role(user, Role.ADMINISTRATOR, Role.OVERSIGHT)


def may_enrol(user: Any) -> bool:
    return bool(user.is_staff or user.is_superuser)


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def step_at_login(user: Any) -> str:
    """What a fresh login of ``user`` still needs: ``VERIFY`` with an authenticator, ``ENROL`` when
    the role needs one and there is none, else nothing (residents never have one)."""
    if not may_enrol(user):
        return ""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return VERIFY
    return ENROL if requires_two_factor(user) else ""


def outstanding(request: HttpRequest) -> str:
    """The step this session still needs ("" when none)."""
    return request.session.get(STEP_KEY, "")


def step_url(step: str, next_url: str) -> str:
    """The page of ``step`` (enrolment or the code), coming back to ``next_url`` afterwards."""
    view = {ENROL: "portal:two_factor_enrol", VERIFY: "portal:two_factor_verify"}[step]
    return f"{reverse(view)}?{urlencode({'next': next_url})}"


def mark_verified(request: HttpRequest, device: TOTPDevice) -> None:
    otp_login(request, device)
    request.session.pop(STEP_KEY, None)
    request.session.pop(PENDING_KEY, None)


def pending_key(request: HttpRequest) -> str:
    """The secret (hex) offered for enrolment in this session, made on first use."""
    return request.session.setdefault(PENDING_KEY, default_key())


def secret_text(key: str) -> str:
    """The secret as authenticator apps take it by hand: base32, in groups of four."""
    encoded = b32encode(unhexlify(key)).decode()
    return " ".join(encoded[i:i + 4] for i in range(0, len(encoded), 4))


def config_url(user: Any, key: str) -> str:
    """The otpauth:// URI of the QR code (issuer OTP_TOTP_ISSUER, the user name as label)."""
    return TOTPDevice(user=user, key=key).config_url


def verify(request: HttpRequest, user: Any, code: str, *, field: str = "code") -> TOTPDevice:
    """Check a code of ``user``'s authenticator; a wrong code counts as a failed login (django-axes),
    so codes cannot be guessed faster than passwords. Raises :class:`LockedOut` while the account
    or address is locked, ``DomainError`` (naming ``field``) for a wrong code."""
    credentials = {user.USERNAME_FIELD: user.get_username(), "second_factor": True}
    if not AxesProxyHandler.is_allowed(request, credentials):
        request.axes_locked_out = True  # as axes' backend does: the refusal is recorded as such
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        raise LockedOut(lockout_message())
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update(no_key=True).filter(user=user, confirmed=True).first()
        if device is None:
            raise TwoFactorRequired(_("Enrol an authenticator app first."), code="not_enrolled")
        if device.verify_token(code):
            return device
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    if request.axes_locked_out:
        raise LockedOut(lockout_message())
    raise DomainError(WRONG_CODE, field=field)
