"""Links sent by email to activate a new account (the sign-up proves its email address this way)."""

from typing import Any

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from opc_community.accounts.models import User


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """Like password-reset links (valid PASSWORD_RESET_TIMEOUT, 3 days), but spent by the activation
    itself: the hash covers ``is_active``, so a link works until the account is active."""

    key_salt = "opc_community.accounts.tokens.ActivationTokenGenerator"

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        return f"{user.pk}{user.password}{user.is_active}{timestamp}{user.email}"


activation_tokens = ActivationTokenGenerator()


def awaiting_activation(user: User) -> bool:
    """A signed-up account whose link was never opened (not one an administrator switched off)."""
    return not user.is_active and not user.is_staff and user.last_login is None


def activation_link_args(user: User) -> tuple[str, str]:
    """``(uidb64, token)`` of the user's activation link."""
    return urlsafe_base64_encode(force_bytes(user.pk)), activation_tokens.make_token(user)


def account_to_activate(uidb64: str, token: str) -> User | None:
    """The account a link activates, or None (unknown, not awaiting activation, expired, forged)."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = User.objects.filter(pk=pk).first()
    if user is None or not awaiting_activation(user) or not activation_tokens.check_token(user, token):
        return None
    return user
