from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisciplineConfig(AppConfig):
    """Violations, escalation, penalties, suspensions, rectification notices, appeals, rewards (第八章)."""

    name = "discipline"
    verbose_name = _("Rewards and discipline")
