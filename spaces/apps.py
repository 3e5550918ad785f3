from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpacesConfig(AppConfig):
    """Desks, rooms and bookings, visitors, promotion permits, safety (第四章第一条、第七章)."""

    name = "spaces"
    verbose_name = _("Spaces")
