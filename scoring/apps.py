from functools import partial

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    """Quarterly inputs, score cards, elimination and the warning list (第六章)."""

    name = "scoring"
    verbose_name = _("Quarterly assessment")

    def ready(self) -> None:
        from opc_community.core.appeals import provisional_answers
        from opc_community.core.desk import register_desk_item
        from opc_community.notices.models import PublicationKind
        from opc_community.notices.registry import register_close_handler
        from opc_community.portal.cards import Shortcut, register_shortcut
        from opc_community.workdays.registry import DeadlineKind, register_deadline_kind
        from residents.extensions import (
            ArchiveSection,
            RecordSection,
            register_archive_section,
            register_record_section,
        )
        from scoring import cards
        from scoring.admin.desk import ITEMS as DESK_ITEMS
        from scoring.models import ScoreAppeal
        from scoring.selectors import archive
        from scoring.services.appeals import score_appeals_recompute_provisional
        from scoring.services.signoff import quarter_publication_closed

        # 第六章第三条 / RULEBOOK §10: the results take effect when their publication window closes.
        register_close_handler(PublicationKind.QUARTERLY_SCORES, quarter_publication_closed)
        # UI.md: this quarter's plan, inputs deadline, score and warning status on the portal dashboard.
        cards.register()
        # RULEBOOK §7.1: residents file their quarterly plan, then their results, before the deadlines.
        register_shortcut(Shortcut(_("My quarterly plans"), "scoring:plan_list"))
        register_shortcut(Shortcut(_("My quarterly inputs"), "scoring:input_list"))
        register_shortcut(Shortcut(_("My quarterly scores"), "scoring:card_list"))
        # RULEBOOK §2: a calendar change recomputes the open provisional deadlines (第六章第三条).
        register_deadline_kind(DeadlineKind(
            "scoring.score_appeal", _("score appeals"),
            partial(provisional_answers, ScoreAppeal), score_appeals_recompute_provisional,
        ))
        # 第三章第五条 (RULEBOOK §4.7): project progress reports and scores in the resident's archive.
        # UI.md: the work desk (运营工作台) counts inputs to verify, drafted quarters and score appeals.
        for item in DESK_ITEMS:
            register_desk_item(item)
        # UI.md: a resident's admin page opens with the latest score and warning status.
        from residents.extensions import SummarySection, register_summary_section
        from scoring.selectors.summary import score_facts

        register_summary_section(SummarySection(key="score", order=30, facts=score_facts))
        register_archive_section(ArchiveSection(
            key="score", label=archive.ARCHIVE_LABEL, order=50, entries=archive.archive_entries,
        ))
        # 第三章第一条: a former resident's quarterly scores are read when they apply again.
        register_record_section(RecordSection(
            key="score", label=archive.ARCHIVE_LABEL, order=50, entries=archive.archive_entries,
        ))
