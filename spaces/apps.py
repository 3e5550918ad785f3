from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpacesConfig(AppConfig):
    """Desks, rooms and bookings, visitors, promotion permits, safety (第四章第一条、第七章)."""

    name = "spaces"
    verbose_name = _("Spaces")

    def ready(self) -> None:
        from opc_community.portal.cards import register_card
        from residents.services.lifecycle import register_exit_handler
        from spaces.services.bookings import cancel_future_bookings
        from spaces.views.bookings import dashboard_card

        # 第三章第四条: leaving the community revokes the resident's future room bookings.
        register_exit_handler("spaces.bookings", cancel_future_bookings)
        # UI.md: the dashboard shows today's and upcoming bookings.
        register_card("bookings", dashboard_card)
