from functools import partial

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisciplineConfig(AppConfig):
    """Violations, escalation, penalties, suspensions, rectification notices, appeals, rewards (第八章)."""

    name = "discipline"
    verbose_name = _("Rewards and discipline")

    def ready(self) -> None:
        from discipline import cards
        from discipline.admin import incidents as incident_admin
        from discipline.admin.desk import ITEMS as DESK_ITEMS
        from discipline.models import Appeal, ViolationCase
        from discipline.selectors import history, suspensions
        from discipline.selectors import rewards as reward_selectors
        from discipline.services import appeals, cases, deadlines, reward_grants
        from discipline.services import vouchers as voucher_cases
        from opc_community.core.appeals import provisional_answers
        from opc_community.core.desk import register_desk_item
        from opc_community.notices.models import PublicationKind
        from opc_community.notices.registry import register_close_handler, register_name_source
        from opc_community.portal.cards import Shortcut, register_card, register_shortcut
        from opc_community.workdays.registry import DeadlineKind, register_deadline_kind
        from residents.extensions import (
            ArchiveSection,
            RecordSection,
            register_archive_section,
            register_record_section,
            register_renewal_condition,
        )
        from residents.guards import register_guard
        from residents.services.ledger import register_settlement_handler
        from resources.services.voucher_fraud import register_fraud_handler
        from spaces.admin.safety import IncidentStep, register_incident_step

        # RULEBOOK §10: an occupant (a case against someone who is not a resident) is a known person too: staff-
        # typed facts naming them in full are refused before publication.
        register_name_source(ViolationCase, "occupant_name")
        # 第八章第二条: a penalty takes effect when its publication window closes (RULEBOOK §10).
        register_close_handler(PublicationKind.PENALTY_DECISION, cases.penalty_publication_closed)
        # 第八章第一条: a reward is approved (or annulled on an upheld objection) when its window closes.
        register_close_handler(PublicationKind.REWARD_DECISION, reward_grants.reward_publication_closed)
        # 第七章 → RULEBOOK §9 kinds 6a–6c: a safety incident's page offers "open a violation case".
        register_incident_step(IncidentStep(
            "violation_case", incident_admin.LABEL, incident_admin.open_case_view, incident_admin.shown,
        ))
        # RULEBOOK §9 kind 7: a payment lifts an "until paid" suspension the same day.
        register_settlement_handler(cases.invoice_settled)
        # UI.md: deadlines due soon (rectification, appeal windows) on the portal dashboard.
        register_card("deadlines", cards.deadlines)
        # The resident's pages of this app, on the dashboard's "my records" card.
        register_shortcut(Shortcut(_("My violation cases"), "discipline:case_list"))
        register_shortcut(Shortcut(_("My rewards and credits"), "discipline:my_rewards"))
        # RULEBOOK §2: a calendar change recomputes the open provisional deadlines (第八章第一条、第二条).
        register_deadline_kind(DeadlineKind(
            "discipline.appeal", _("requests for review"),
            partial(provisional_answers, Appeal), appeals.appeals_recompute_provisional,
        ))
        register_deadline_kind(DeadlineKind(
            "discipline.case_publication", _("publication of penalty decisions"),
            deadlines.provisional_publications, deadlines.cases_recompute_provisional,
        ))
        # UI.md: the work desk (运营工作台) counts cases behind schedule, rectification deadlines, decided
        # cases not yet published and appeals awaiting an answer.
        for item in DESK_ITEMS:
            register_desk_item(item)
        # UI.md: a resident's admin page opens with open cases and suspensions in force.
        from discipline.selectors.summary import case_facts, suspension_facts
        from residents.extensions import SummarySection, register_summary_section

        register_summary_section(SummarySection(key="cases", order=40, facts=case_facts))
        register_summary_section(SummarySection(key="suspensions", order=50, facts=suspension_facts))
        register_deadline_kind(DeadlineKind(
            "discipline.reward_grant", _("reward grants"),
            reward_selectors.provisional_grants, reward_grants.rewards_recompute_provisional,
        ))
        # RULEBOOK §9 (decisions added 2026-12): a suspension refuses every action its scope covers.
        register_guard("discipline.suspensions", suspensions.suspension_guard, probe=suspensions.suspension_probe)
        # 第三章第三条 (RULEBOOK §4.3): no penalty this term, no unresolved rectification notice.
        for condition in history.RENEWAL_CONDITIONS:
            register_renewal_condition(condition)
        # 第三章第五条 (RULEBOOK §4.7): violations and rewards in the resident's archive.
        register_archive_section(ArchiveSection(
            key="violation", label=history.ARCHIVE_LABEL, order=30, entries=history.archive_rows,
        ))
        # 第三章第一条: a former resident's violations are read when they apply again.
        register_record_section(RecordSection(
            key="violation", label=history.ARCHIVE_LABEL, order=30, entries=history.archive_rows,
        ))
        # RULEBOOK §6, §9 kind 3b: a voucher fraud finding (违规套取、伪造材料) opens a 3b case with its evidence.
        register_fraud_handler("discipline.cases", voucher_cases.voucher_fraud_case)
        register_archive_section(ArchiveSection(
            key="reward", label=reward_selectors.ARCHIVE_LABEL, order=40, entries=reward_selectors.archive_entries,
        ))
        # 第八章第二条 3c 损坏公共资源: a loan returned damaged opens its case from the equipment-loan list.
        from discipline.admin import equipment as equipment_admin
        from spaces.extensions import LoanAction, register_loan_action

        register_loan_action(LoanAction(
            name="open_damage_case", description=equipment_admin.DESCRIPTION,
            run=equipment_admin.open_damage_cases, permitted=equipment_admin.may_open_cases,
        ))
        # 第四章第一条 3、4 → 第八章第二条 2b, 6a: a closing round's exception may be referred for a case.
        from discipline.admin import round_exceptions as round_exception_admin
        from spaces.extensions import ExceptionStep, register_exception_step

        register_exception_step(ExceptionStep(
            "violation_case", round_exception_admin.LABEL, round_exception_admin.refer_view,
            round_exception_admin.shown,
        ))
