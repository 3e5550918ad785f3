from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    """Vouchers, sharing board, scenarios and matchmaking, policies, activities (第四章第二条至第四条)."""

    name = "resources"
    verbose_name = _("Resources and services")

    def ready(self) -> None:
        from opc_community.core.desk import register_desk_item
        from opc_community.notices.registry import register_service_figures
        from opc_community.portal.cards import Shortcut, register_shortcut
        from opc_community.workdays.registry import DeadlineKind, register_deadline_kind
        from residents.extensions import ArchiveSection, register_archive_section
        from residents.services.lifecycle import register_exit_handler
        from resources.admin.desk import ITEMS as DESK_ITEMS
        from resources.selectors import activities as activity_selectors
        from resources.selectors import deadlines as deadline_selectors
        from resources.selectors import matchmaking as matchmaking_selectors
        from resources.selectors import service_figures
        from resources.selectors import sharing as sharing_selectors
        from resources.selectors import stage as stage_selectors
        from resources.selectors import vouchers as voucher_selectors
        from resources.selectors.drills import drill_summary
        from resources.services import deadlines, voucher_expiry
        from resources.services import policies as policy_services
        from resources.services import scenarios as scenario_services
        from resources.services import sharing as sharing_services
        from resources.services.activities import cancel_future_registrations
        from resources.services.stage import close_open_for_exit
        from spaces.extensions import register_drill_source

        # 第四章第四条 2: the public service-quality page shows the voucher budget and the survey results.
        register_service_figures("vouchers", service_figures.voucher_figures)
        register_service_figures("surveys", service_figures.survey_figures)
        # UI.md: the work desk (运营工作台) counts voucher applications awaiting review.
        for item in DESK_ITEMS:
            register_desk_item(item)
        register_shortcut(Shortcut(_("Activities"), "resources:activity_list"))
        register_shortcut(Shortcut(_("My activities"), "resources:my_activities"))
        register_shortcut(Shortcut(_("My vouchers"), "resources:my_vouchers"))
        register_shortcut(Shortcut(_("Sharing board"), "resources:sharing_list"))
        register_shortcut(Shortcut(_("Scenarios and policies"), "resources:my_matchmaking"))
        # 第五章第三条、第四条: the start-up services and the quarterly survey.
        register_shortcut(Shortcut(_("Start-up services"), "resources:services"))
        register_shortcut(Shortcut(_("Service survey"), "resources:survey"))
        # 第三章第四条: leaving the community frees the places of activities not yet started, takes the
        # resident's posts off the sharing board (waiting matches go) and closes open interests and
        # requests (policy help, start-up services).
        register_exit_handler("resources.activities", cancel_future_registrations)
        register_exit_handler("resources.sharing", sharing_services.posts_close_for_exit)
        register_exit_handler("resources.scenarios", scenario_services.interests_close_for_exit)
        register_exit_handler("resources.policies", policy_services.help_close_for_exit)
        register_exit_handler("resources.stage_services", close_open_for_exit)
        # RULEBOOK §4.5: every exit revokes voucher permissions — live grants end, pending applications go.
        register_exit_handler("resources.vouchers", voucher_expiry.grants_end_for_exit)
        # RULEBOOK §2: a calendar change recomputes the open provisional deadlines (第五章第一条至第三条).
        for kind in (
            DeadlineKind("resources.voucher_review", _("reviews of voucher applications"),
                         deadline_selectors.provisional_voucher_reviews, deadlines.voucher_reviews_recompute_provisional),
            DeadlineKind("resources.policy_help", _("responses to policy-help requests"),
                         deadline_selectors.provisional_help_requests, deadlines.help_requests_recompute_provisional),
            DeadlineKind("resources.service_request", _("start-up service requests (response and resolution)"),
                         deadline_selectors.provisional_service_requests,
                         deadlines.service_requests_recompute_provisional),
        ):
            register_deadline_kind(kind)
        # 第七章第四条: drills are activities; the spaces safety dashboard counts them through its drill source.
        register_drill_source("resources.drills", drill_summary)
        # 第三章第五条 (RULEBOOK §4.7): vouchers, activities, scenarios, sharing, policy help
        # and start-up service requests in the archive.
        for key, label, order, entries in (
            ("voucher", voucher_selectors.ARCHIVE_LABEL, 75, voucher_selectors.archive_entries),
            ("activity", activity_selectors.ARCHIVE_LABEL, 80, activity_selectors.archive_entries),
            ("scenario", matchmaking_selectors.SCENARIO_ARCHIVE_LABEL, 84,
             matchmaking_selectors.scenario_archive_entries),
            ("sharing", sharing_selectors.ARCHIVE_LABEL, 85, sharing_selectors.archive_entries),
            ("policy", matchmaking_selectors.POLICY_ARCHIVE_LABEL, 86, matchmaking_selectors.policy_archive_entries),
            ("service", stage_selectors.ARCHIVE_LABEL, 87, stage_selectors.archive_entries),
        ):
            register_archive_section(ArchiveSection(key=key, label=label, order=order, entries=entries))
