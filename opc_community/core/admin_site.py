"""The operations desk: the Django admin, branded and in Chinese (RULEBOOK §1)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opc_community.accounts import two_factor
from opc_community.accounts.forms import AdminLoginForm
from opc_community.core.admin_groups import group_app_list
from opc_community.core.desk import desk_lines


class OpcAdminSite(admin.AdminSite):
    site_header = _("Nansha International OPC Ecosystem Community · Operations")
    site_title = _("OPC Community operations")
    index_title = _("Work desk")
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

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        """The models grouped by task (core/admin_groups.py) on the home page and in the side bar; one app's
        page (``app_label``) keeps Django's list of that app."""
        if app_label is not None:
            return super().get_app_list(request, app_label)
        return group_app_list(self._build_app_dict(request), reverse("admin:index", current_app=self.name))

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        """The home page is the work desk (运营工作台): today's work of the person's role(s) — the registered
        desk items (core/desk.py), one query each — then the models grouped by task."""
        lines = desk_lines(request.user, timezone.now()) if request.user.is_active and request.user.is_staff else []
        return super().index(request, {**(extra_context or {}), "desk_lines": lines})
