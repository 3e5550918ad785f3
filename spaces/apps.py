from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpacesConfig(AppConfig):
    """Desks, rooms and bookings, visitors, promotion permits, safety (第四章第一条、第七章)."""

    name = "spaces"
    verbose_name = _("Spaces")

    def ready(self) -> None:
        from opc_community.notices.registry import register_name_source
        from opc_community.portal.cards import Shortcut, register_card, register_shortcut
        from residents.services.lifecycle import register_exit_handler
        from spaces.models import Visitor
        from spaces.services.bookings import cancel_future_bookings
        from spaces.services.desks import desk_requests_close_for_exit
        from spaces.services.permits import permits_withdraw_for_exit
        from spaces.services.visitors import visitors_cancel_for_exit
        from spaces.views.bookings import dashboard_card

        # 第三章第四条: leaving the community revokes what the spaces app granted the resident —
        # future room bookings, an open desk change request, permits not yet used, expected visitors.
        # (The desk itself is released by the exit's own "desk released" step.)
        register_exit_handler("spaces.bookings", cancel_future_bookings)
        register_exit_handler("spaces.desk_requests", desk_requests_close_for_exit)
        register_exit_handler("spaces.permits", permits_withdraw_for_exit)
        register_exit_handler("spaces.visitors", visitors_cancel_for_exit)
        # RULEBOOK §10 (decisions added 2026-12): a visitor's name never reaches the public board.
        register_name_source(Visitor, "name")
        # UI.md: the dashboard shows today's and upcoming bookings.
        register_card("bookings", dashboard_card)
        # The resident's spaces pages, linked from the dashboard's "my records" card (checked-in only).
        register_shortcut(Shortcut(_("Book a room"), "spaces:room_list"))
        register_shortcut(Shortcut(_("My bookings"), "spaces:my_bookings"))
        register_shortcut(Shortcut(_("My desk"), "spaces:desk"))
        register_shortcut(Shortcut(_("My visitors"), "spaces:visitor_list"))
        register_shortcut(Shortcut(_("My permits"), "spaces:permit_list"))
