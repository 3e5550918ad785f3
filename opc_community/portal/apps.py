from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The residents' portal shell: login, dashboard, inbox (UI.md)."""

    name = "opc_community.portal"
    label = "portal"
    verbose_name = _("Portal")
