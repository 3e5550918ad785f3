from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    """Intake, review, agreements, fees and deposits, renewal, exit, bans, archive, complaints (第三章)."""

    name = "residents"
    verbose_name = _("Residents")
