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
        # 第七章第四条: drills are activities; the spaces safety dashboard counts them through its drill source.
        from resources.selectors.drills import drill_summary
        from spaces.extensions import register_drill_source

        register_drill_source("resources.drills", drill_summary)
        register_archive_section(ArchiveSection(
            key="activity", label=activity_selectors.ARCHIVE_LABEL, order=80, entries=activity_selectors.archive_entries,
        ))
        # 第五章第二条: scenario matchmaking and policy help — shortcuts, exit (第三章第四条: open interests
        # and requests close), archive (第三章第五条).
        from resources.selectors import matchmaking as matchmaking_selectors
        from resources.services import policies as policy_services
        from resources.services import scenarios as scenario_services

        register_shortcut(Shortcut(_("Scenarios and policies"), "resources:my_matchmaking"))
        register_exit_handler("resources.scenarios", scenario_services.interests_close_for_exit)
        register_exit_handler("resources.policies", policy_services.help_close_for_exit)
        register_archive_section(ArchiveSection(
            key="scenario", label=matchmaking_selectors.SCENARIO_ARCHIVE_LABEL, order=84,
            entries=matchmaking_selectors.scenario_archive_entries,
        ))
        register_archive_section(ArchiveSection(
            key="policy", label=matchmaking_selectors.POLICY_ARCHIVE_LABEL, order=86,
            entries=matchmaking_selectors.policy_archive_entries,
        ))
