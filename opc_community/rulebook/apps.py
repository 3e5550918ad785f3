from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RulebookConfig(AppConfig):
    """The versioned rulebook (RULEBOOK §11): every number of the regulation as data."""

    name = "opc_community.rulebook"
    label = "rulebook"
    verbose_name = _("Rulebook")
