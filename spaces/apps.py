from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpacesConfig(AppConfig):
    """Desks, rooms and bookings, visitors, promotion permits, safety (第四章第一条、第七章)."""

    name = "spaces"
    verbose_name = _("Spaces")

    def ready(self) -> None:
        from opc_community.notices.registry import register_name_source, register_service_figures
        from opc_community.portal.cards import Shortcut, register_card, register_shortcut
        from residents.extensions import (
            ArchiveSection,
            CheckInStep,
            register_archive_section,
            register_check_in_step,
        )
        from residents.models import ClearanceItem
        from residents.services.lifecycle import register_exit_handler
        from spaces.forms.desks import check_in_desk_field
        from spaces.models import Visitor
        from spaces.selectors import bookings as booking_selectors
        from spaces.selectors import desks as desk_selectors
        from spaces.selectors import equipment as equipment_selectors
        from spaces.selectors.service_figures import occupancy_figures
        from spaces.services.booking_release import cancel_future_bookings
        from spaces.services.desks import (
            desk_assign_at_check_in,
            desk_release_for_exit,
            desk_requests_close_for_exit,
        )
        from spaces.services.equipment import loans_block_exit
        from spaces.services.permits import permits_withdraw_for_exit
        from spaces.services.visitors import visitors_cancel_for_exit
        from spaces.views.bookings import dashboard_card

        # 第四章第四条 2: the public service-quality page shows room occupancy month by month.
        register_service_figures("rooms", occupancy_figures)
        # 第三章第四条: leaving the community revokes what the spaces app granted the resident —
        # future room bookings, an open desk change request, permits not yet used, expected visitors.
        # (The desk itself is released by the exit's own "desk released" step.)
        register_exit_handler("spaces.bookings", cancel_future_bookings)
        register_exit_handler("spaces.desk_requests", desk_requests_close_for_exit)
        register_exit_handler("spaces.permits", permits_withdraw_for_exit)
        register_exit_handler("spaces.visitors", visitors_cancel_for_exit)
        # 第三章第二条 办理入驻: check-in assigns a desk (chosen on the staff form, or the first free one).
        register_check_in_step(CheckInStep(
            name="spaces.desk", choice="desk", problems=desk_selectors.check_in_problems,
            apply=desk_assign_at_check_in, form_field=check_in_desk_field, summary=desk_selectors.desk_line,
        ))
        # 第三章第四条 释放工位: the exit's "desk released" item releases it in the desk register.
        register_exit_handler("spaces.desk", desk_release_for_exit, item=ClearanceItem.DESK_RELEASED)
        # 第三章第五条: the resident's desks in the archive.
        register_archive_section(ArchiveSection(
            key="desk", label=desk_selectors.ARCHIVE_LABEL, order=60, entries=desk_selectors.archive_entries,
        ))
        # 第三章第四条 清理物品 / 第四章第二条: borrowed equipment is back before the exit settles (forced exits
        # name what is still out); the resident's loans in the archive (第三章第五条).
        register_exit_handler("spaces.equipment", loans_block_exit, item=ClearanceItem.ITEMS_CLEARED)
        register_archive_section(ArchiveSection(
            key="equipment", label=equipment_selectors.ARCHIVE_LABEL, order=65,
            entries=equipment_selectors.archive_entries,
        ))
        register_archive_section(ArchiveSection(
            key="booking", label=booking_selectors.BOOKING_ARCHIVE_LABEL, order=70,
            entries=booking_selectors.archive_entries,
        ))
        # RULEBOOK §10 (decisions added 2026-12): a visitor's name never reaches the public board.
        register_name_source(Visitor, "name")
        # UI.md: the work desk (运营工作台) counts today's visitors to confirm and today's no-shows.
        from opc_community.core.desk import register_desk_item
        from spaces.admin.desk import ITEMS as DESK_ITEMS

        for item in DESK_ITEMS:
            register_desk_item(item)
        # UI.md: the dashboard shows today's and upcoming bookings.
        register_card("bookings", dashboard_card)
        # The resident's spaces pages, linked from the dashboard's "my records" card (checked-in only).
        register_shortcut(Shortcut(_("Book a room"), "spaces:room_list"))
        register_shortcut(Shortcut(_("My bookings"), "spaces:my_bookings"))
        register_shortcut(Shortcut(_("My desk"), "spaces:desk"))
        register_shortcut(Shortcut(_("My visitors"), "spaces:visitor_list"))
        register_shortcut(Shortcut(_("My permits"), "spaces:permit_list"))
        register_shortcut(Shortcut(_("Borrow equipment"), "spaces:equipment_list"))
        # 第七章第四条: the emergency plans in force, readable by everyone logged in.
        register_shortcut(Shortcut(_("Emergency plans"), "spaces:plan_list"))
