from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    """The working-day calendar (RULEBOOK §2): holidays and adjusted working days."""

    name = "opc_community.workdays"
    label = "workdays"
    verbose_name = _("Working-day calendar")
