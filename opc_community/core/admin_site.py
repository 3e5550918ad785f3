"""The operations desk: the Django admin, branded and in Chinese (RULEBOOK §1)."""

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from opc_community.accounts import two_factor
from opc_community.accounts.forms import AdminLoginForm

#: Extension point: the domain apps' "to do / overdue" counts shown on the admin index (each a function of
#: the request returning warnings ``{"level", "message", "link"}``, registered in ``AppConfig.ready()``;
#: keep each to one query — they run on every visit of the index, not on other pages).
IndexWarning = Callable[[HttpRequest], list[dict[str, Any]]]
_index_warnings: list[IndexWarning] = []


def register_index_warning(warning: IndexWarning) -> None:
    if warning not in _index_warnings:
        _index_warnings.append(warning)


class OpcAdminSite(admin.AdminSite):
    site_header = _("Nansha International OPC Ecosystem Community · Operations")
    site_title = _("OPC Community operations")
    index_title = _("Operations desk")
    # Says so when too many failures locked the login (django-axes); the code comes next.
    login_form = AdminLoginForm

    def has_permission(self, request: HttpRequest) -> bool:
        """Staff, and no second factor outstanding (TwoFactorMiddleware sends such sessions to it first)."""
        return super().has_permission(request) and not two_factor.outstanding(request)

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        from opc_community.workdays.selectors import calendar_warnings

        context = super().each_context(request)
        if request.user.is_active and request.user.is_staff:
            context["system_warnings"] = calendar_warnings()
        return context

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        """The index also lists what waits for staff (the registered "to do / overdue" counts)."""
        from opc_community.workdays.selectors import calendar_warnings

        warnings: list[dict[str, Any]] = []
        if request.user.is_active and request.user.is_staff:
            warnings = calendar_warnings()
            for warning in _index_warnings:
                warnings += warning(request)
        return super().index(request, {**(extra_context or {}), "system_warnings": warnings})
