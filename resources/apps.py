from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    """Vouchers, sharing board, scenarios and matchmaking, policies, activities (第四章第二条至第四条)."""

    name = "resources"
    verbose_name = _("Resources and services")

    def ready(self) -> None:
        from opc_community.portal.cards import Shortcut, register_shortcut
        from residents.extensions import ArchiveSection, register_archive_section
        from residents.services.lifecycle import register_exit_handler
        from resources.selectors import activities as activity_selectors
        from resources.selectors import vouchers as voucher_selectors
        from resources.services import voucher_expiry
        from resources.services.activities import cancel_future_registrations

        register_shortcut(Shortcut(_("Activities"), "resources:activity_list"))
        register_shortcut(Shortcut(_("My activities"), "resources:my_activities"))
        register_shortcut(Shortcut(_("My vouchers"), "resources:my_vouchers"))
        # 第三章第四条: leaving the community frees the places of activities not yet started.
        register_exit_handler("resources.activities", cancel_future_registrations)
        # RULEBOOK §4.5: every exit revokes voucher permissions — live grants end, pending applications go.
        register_exit_handler("resources.vouchers", voucher_expiry.grants_end_for_exit)
        # 第三章第五条 (RULEBOOK §4.7): the resident's vouchers, and the activities they registered for and
        # attended, in the archive.
        register_archive_section(ArchiveSection(
            key="voucher", label=voucher_selectors.ARCHIVE_LABEL, order=75, entries=voucher_selectors.archive_entries,
        ))
        register_archive_section(ArchiveSection(
            key="activity", label=activity_selectors.ARCHIVE_LABEL, order=80, entries=activity_selectors.archive_entries,
        ))
        # 第五章第三条、第四条: the start-up services and the quarterly survey in the portal; open service
        # requests are cancelled at exit (第三章第四条); the requests in the archive (第三章第五条).
        from resources.selectors import stage as stage_selectors
        from resources.services.stage import close_open_for_exit

        register_shortcut(Shortcut(_("Start-up services"), "resources:services"))
        register_shortcut(Shortcut(_("Service survey"), "resources:survey"))
        register_exit_handler("resources.stage_services", close_open_for_exit)
        register_archive_section(ArchiveSection(
            key="service", label=stage_selectors.ARCHIVE_LABEL, order=85, entries=stage_selectors.archive_entries,
        ))
