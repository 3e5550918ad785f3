"""Login forms that say so when django-axes refuses the attempt, and the two-factor code form."""

import re
from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from opc_community.accounts.lockout import lockout_message


class LockoutMessageMixin:
    """A refused login names the lock-out instead of "wrong password" (the page gets HTTP 429)."""

    request: Any

    def get_invalid_login_error(self) -> ValidationError:
        if getattr(self.request, "axes_locked_out", False):
            return ValidationError(lockout_message(), code="locked_out")
        return super().get_invalid_login_error()  # type: ignore[misc]


class LoginForm(LockoutMessageMixin, AuthenticationForm):
    """The portal's login."""


class AdminLoginForm(LockoutMessageMixin, AdminAuthenticationForm):
    """The operations desk's login (staff only); the code is asked next, on the two-factor page."""


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}),
    )

    def clean_code(self) -> str:
        code = re.sub(r"\s", "", self.cleaned_data["code"])
        if not re.fullmatch(r"\d{6}", code):
            raise ValidationError(_("Code: the 6 digits your authenticator app shows now."))
        return code
