"""Writes of accounts: security events, two-factor enrolment and reset, API tokens, ending sessions."""

from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from opc_community.accounts.actors import Actor
from opc_community.accounts.models import SecurityEvent, SecurityEventKind, User
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError

#: A TOTP code that does not match (enrolment and login alike).
WRONG_CODE = gettext_lazy("Code: wrong or expired. Enter the 6 digits your authenticator app shows now.")


def security_event_record(
    *, kind: str, username: str, ip_address: str | None = None, path: str = "", actor: Actor = None
) -> SecurityEvent:
    """Append one security event (its insert is the audit-trail row)."""
    with acting_as(actor, action=f"accounts.{kind}"):
        return SecurityEvent.objects.create(kind=kind, username=username, ip_address=ip_address, path=path[:255])


@transaction.atomic
def two_factor_enrol(*, user: User, key: str, code: str, ip_address: str | None = None, path: str = "") -> TOTPDevice:
    """Enrol the authenticator holding ``key`` once it shows a right ``code`` (one per person).

    A wrong code leaves nothing behind: the device is written and checked in this transaction.
    """
    User.objects.select_for_update(no_key=True).filter(pk=user.pk).first()  # one enrolment at a time per person
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ConflictError(_("An authenticator is already enrolled for this account."), code="already_enrolled")
    device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), key=key, confirmed=False)
    if not device.verify_token(code):
        raise DomainError(WRONG_CODE, field="code")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    security_event_record(
        kind=SecurityEventKind.TWO_FACTOR_ENROLLED, username=user.get_username(), ip_address=ip_address, path=path,
        actor=user,
    )
    return device


@transaction.atomic
def two_factor_reset(*, user: User, actor: Actor = None) -> int:
    """Remove every authenticator of the person (a lost phone) and end their sessions, so that the
    next login asks them to enrol again; returns how many authenticators were removed."""
    removed, _by_model = TOTPDevice.objects.filter(user=user).delete()
    sessions_end_for(user)
    security_event_record(kind=SecurityEventKind.TWO_FACTOR_RESET, username=user.get_username(), actor=actor)
    return removed


def sessions_end_for(user: User) -> int:
    """Log the person out everywhere (database sessions: each is decoded to find its owner)."""
    owned = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]
    deleted, _by_model = Session.objects.filter(session_key__in=owned).delete()
    return deleted


def api_token_expires_at(token: Token) -> Any:
    return token.created + settings.API_TOKEN_LIFETIME


@transaction.atomic
def api_token_issue(*, user: User) -> Token:
    """The person's API token: the current one while it lives, else a new one (one token per person)."""
    token = Token.objects.select_for_update(no_key=True).filter(user=user).first()
    if token is not None and api_token_expires_at(token) > timezone.now():
        return token
    if token is not None:
        token.delete()
    return Token.objects.create(user=user)
