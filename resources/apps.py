from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    """Vouchers, sharing board, scenarios and matchmaking, policies, activities (第四章第二条至第四条)."""

    name = "resources"
    verbose_name = _("Resources and services")

    def ready(self) -> None:
        from opc_community.portal.cards import Shortcut, register_shortcut

        register_shortcut(Shortcut(_("Activities"), "resources:activity_list"))
        register_shortcut(Shortcut(_("My activities"), "resources:my_activities"))

        from residents.extensions import ArchiveSection, register_archive_section
        from residents.services.lifecycle import register_exit_handler
        from resources.selectors import vouchers as voucher_selectors
        from resources.services import vouchers as voucher_services

        register_shortcut(Shortcut(_("My vouchers"), "resources:my_vouchers"))
        # RULEBOOK §4.5: every exit revokes voucher permissions — live grants end, pending applications go.
        register_exit_handler("resources.vouchers", voucher_services.grants_end_for_exit)
        # 第三章第五条: the resident's vouchers in the archive.
        register_archive_section(ArchiveSection(
            key="voucher", label=voucher_selectors.ARCHIVE_LABEL, order=70, entries=voucher_selectors.archive_entries,
        ))
