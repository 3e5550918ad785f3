from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    """Vouchers, sharing board, scenarios and matchmaking, policies, activities (第四章第二条至第四条)."""

    name = "resources"
    verbose_name = _("Resources and services")

    def ready(self) -> None:
        from opc_community.portal.cards import Shortcut, register_shortcut

        register_shortcut(Shortcut(_("Activities"), "resources:activity_list"))
        register_shortcut(Shortcut(_("My activities"), "resources:my_activities"))
