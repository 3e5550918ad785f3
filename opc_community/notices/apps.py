from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    """Publications, objections and the public notice board (公示栏, RULEBOOK §10)."""

    name = "opc_community.notices"
    label = "notices"
    verbose_name = _("Notice board")
