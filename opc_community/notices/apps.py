from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    """Publications, objections and the public notice board (公示栏, RULEBOOK §10)."""

    name = "opc_community.notices"
    label = "notices"
    verbose_name = _("Notice board")

    def ready(self) -> None:
        from opc_community.accounts.models import User
        from opc_community.notices import selectors, services
        from opc_community.notices.registry import register_name_source
        from opc_community.workdays.registry import DeadlineKind, register_deadline_kind

        # RULEBOOK §10 (decisions added 2026-12): every account holder — resident, applicant,
        # staff member — is a person whose full name never reaches the public board.
        register_name_source(User, "full_name")
        # RULEBOOK §2: a calendar change recomputes the open windows that end by a provisional deadline.
        register_deadline_kind(DeadlineKind(
            "notices.publication_window", _("publication windows"),
            selectors.provisional_windows, services.windows_recompute_provisional,
        ))
        register_deadline_kind(DeadlineKind(
            "notices.objection_decision", _("decisions on objections"),
            selectors.provisional_objection_deadlines, services.objections_recompute_provisional,
        ))
        # UI.md: the work desk (运营工作台) counts objections awaiting a decision and windows closing today.
        from opc_community.core.desk import register_desk_item
        from opc_community.notices.desk import ITEMS as DESK_ITEMS

        for item in DESK_ITEMS:
            register_desk_item(item)
