"""Sign-up and activation of an applicant's account, and the emails they send."""

from functools import partial

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.accounts.models import User
from opc_community.accounts.tokens import (
    account_to_activate,
    activation_link_args,
    awaiting_activation,
)
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError

# --- sign-up ----------------------------------------------------------------------------------
#
# A sign-up never tells the person at the keyboard whether its email address or mobile number
# already has an account: every accepted form gets the same "check your mailbox" answer.
# - A new email address: an inactive account is created and the address is sent a link that
#   activates it (accounts.tokens, valid 3 days); the login comes after the activation.
# - An email address that has an account: nothing is created; that address is told someone
#   tried, with its user name (and a fresh activation link if it was never activated). Only the
#   owner of the mailbox learns anything.
# - Mobile numbers are not proof of anything (never verified), so they do not block a sign-up:
#   when the new account is activated, the accounts holding the same number are told by email.
# The password is hashed in every case, so that the answer takes the same time.

SIGN_UP_ACTIVATE = "activate"
SIGN_UP_EMAIL_TAKEN = "email_taken"
SIGN_UP_PHONE_REUSED = "phone_reused"


@transaction.atomic
def applicant_sign_up(
    *, username: str, full_name: str, phone: str, email: str, password: str, origin: str
) -> User | None:
    """Sign up a future applicant (no role: it becomes a resident on approval) as described above;
    returns the new inactive account, or None when the email address already has one. The caller
    must answer the same either way. ``origin`` (``https://host``) begins the links of the email.

    The sign-up form has already run Django's password validators (AUTH_PASSWORD_VALIDATORS).
    """
    password_hash = make_password(password)
    email = email.strip()
    with acting_as(None, action="residents.applicant_sign_up"):
        holders = list(User.objects.filter(email__iexact=email).values_list("pk", flat=True))
        if holders:
            _send_sign_up_emails(SIGN_UP_EMAIL_TAKEN, holders, origin)
            return None
        try:
            with transaction.atomic():
                user = User.objects.create(
                    username=username.strip(),
                    password=password_hash,
                    full_name=full_name.strip(),
                    phone=phone.strip(),
                    email=email,
                    is_active=False,
                )
        except IntegrityError as error:
            raise DomainError(_("This user name is already taken."), field="username") from error
        _send_sign_up_emails(SIGN_UP_ACTIVATE, [user.pk], origin)
        return user


@transaction.atomic
def applicant_activate(*, uidb64: str, token: str, origin: str) -> User:
    """Activate the account of an activation link (once); holders of the same mobile number are told."""
    user = account_to_activate(uidb64, token)
    if user is None:
        raise DomainError(
            _("This activation link is not valid any more: it was used already or is older than 3 days. "
              "Log in, or sign up again."),
            code="invalid_link",
        )
    with acting_as(user, action="residents.applicant_activate"):
        if not User.objects.filter(pk=user.pk, is_active=False).update(is_active=True):
            raise ConflictError(_("This account is already active: log in."), code="already_active")
    user.is_active = True
    if user.phone:
        same_phone = User.objects.filter(phone=user.phone, is_active=True).exclude(pk=user.pk).exclude(email="")
        _send_sign_up_emails(SIGN_UP_PHONE_REUSED, list(same_phone.values_list("pk", flat=True)), origin)
    return user


def _send_sign_up_emails(kind: str, user_ids: list[int], origin: str) -> None:
    from residents.tasks.intake import send_sign_up_email

    for user_id in user_ids:
        # robust: a broker outage must not turn the sign-up into an error page (and so give it away).
        transaction.on_commit(partial(send_sign_up_email.delay, kind, user_id, origin), robust=True)


_SIGN_UP_SUBJECTS = {
    SIGN_UP_ACTIVATE: gettext_lazy("Activate your account"),
    SIGN_UP_EMAIL_TAKEN: gettext_lazy("Someone tried to sign up with your email address"),
    SIGN_UP_PHONE_REUSED: gettext_lazy("A new account gave your mobile number"),
}


def sign_up_email_send(*, kind: str, user_id: int, origin: str) -> bool:
    """Send one sign-up email (in the site's language: it is read outside any session)."""
    user = User.objects.filter(pk=user_id).exclude(email="").first()
    if user is None:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        context = {"user": user, "site_name": settings.SITE_NAME, "login_url": origin + reverse("portal:login")}
        if awaiting_activation(user):
            context["activation_url"] = origin + reverse("residents:signup_activate", args=activation_link_args(user))
        subject = " ".join(f"[{settings.SITE_NAME}] {_SIGN_UP_SUBJECTS[kind]}".split())
        body = render_to_string(f"residents/intake/email/sign_up_{kind}.txt", context)
    EmailMessage(subject=subject, body=body, to=[user.email]).send()
    return True


