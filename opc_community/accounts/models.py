"""Accounts: one user model for staff and residents (custom from the first migration)."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

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
