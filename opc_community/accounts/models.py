"""Accounts: one user model for staff and residents (custom from the first migration), and the
security events of logging in (failures, lock-outs, two-factor enrolment and resets)."""

import pgtrigger
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token

from opc_community.core.audit import audited


@audited(exclude=("password", "last_login"))
class User(AbstractUser):
    """A person who logs in: operations staff (is_staff) or a resident's account holder.

    Chinese names do not split into first/last name, so ``full_name`` is the name
    shown everywhere (masked on public pages).
    """

    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name() or self.username

    def get_short_name(self) -> str:
        return self.full_name or self.username

    def save(self, *args: object, **kwargs: object) -> None:
        """A new password revokes the person's API token, whichever page or command set it
        (``set_password`` marks it; sessions end by themselves: their hash follows the password)."""
        password_changed = self._password is not None and not self._state.adding
        super().save(*args, **kwargs)
        if password_changed:
            Token.objects.filter(user=self).delete()


class SecurityEventKind(models.TextChoices):
    LOGIN_FAILED = "login_failed", _("wrong password")
    CODE_FAILED = "code_failed", _("wrong two-factor code")
    LOCKED_OUT = "locked_out", _("locked out after repeated failures")
    REFUSED = "refused", _("attempt refused during a lock-out")
    TWO_FACTOR_ENROLLED = "two_factor_enrolled", _("two-factor authenticator enrolled")
    TWO_FACTOR_RESET = "two_factor_reset", _("two-factor authenticators reset")


@audited
class SecurityEvent(models.Model):
    """One event of logging in, appended (never changed) and mirrored in the audit trail.

    ``username`` is the name as typed: failures for accounts that do not exist count too.
    """

    kind = models.CharField(_("event"), max_length=24, choices=SecurityEventKind.choices)
    username = models.CharField(_("user name"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    path = models.CharField(_("page"), max_length=255, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        triggers = [pgtrigger.Protect(name="append_only", operation=pgtrigger.Update)]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.username}"
