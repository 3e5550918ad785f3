from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    """Quarterly inputs, score cards, elimination and the warning list (第六章)."""

    name = "scoring"
    verbose_name = _("Quarterly assessment")
