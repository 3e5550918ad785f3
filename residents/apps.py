from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    """Intake, review, agreements, fees and deposits, renewal, exit, bans, archive, complaints (第三章),
    mediation (第四章第三条) and questions about the rules (第九章第五条)."""

    name = "residents"
    verbose_name = _("Residents")

    def ready(self) -> None:
        from opc_community.notices.registry import register_name_source, register_service_figures
        from opc_community.portal.cards import register_card
        from opc_community.workdays.registry import DeadlineKind, register_deadline_kind
        from residents import cards
        from residents.extensions import register_renewal_condition
        from residents.models import Application
        from residents.selectors import complaints as complaint_selectors
        from residents.selectors import intake as intake_selectors
        from residents.selectors import mediation as mediation_selectors
        from residents.selectors import rule_questions as question_selectors
        from residents.selectors import service_figures
        from residents.selectors.lifecycle import RESIDENTS_CONDITIONS
        from residents.services import complaint_deadlines, intake, mediation, rule_questions

        # RULEBOOK §10 (decisions added 2026-12): the name on an applicant's ID card is a known name.
        register_name_source(Application, "person_name")
        register_service_figures("complaints", service_figures.complaint_figures)
        register_service_figures("intake", service_figures.intake_figures)

        register_card("application", cards.application)
        register_card("agreement", cards.agreement)
        register_card("complaints", cards.complaints)
        register_card("shortcuts", cards.shortcuts)

        # RULEBOOK §2: a calendar change recomputes the open provisional deadlines (第三章第二条, 第四章第四条).
        register_deadline_kind(DeadlineKind(
            "residents.application_review", _("initial reviews of applications"),
            intake_selectors.provisional_reviews, intake.reviews_recompute_provisional,
        ))
        register_deadline_kind(DeadlineKind(
            "residents.application_result", _("results of evaluated applications"),
            intake_selectors.provisional_results, intake.results_recompute_provisional,
        ))
        register_deadline_kind(DeadlineKind(
            "residents.complaint", _("complaints (response and solution)"),
            complaint_selectors.provisional_complaints, complaint_deadlines.complaints_recompute_provisional,
        ))
        register_deadline_kind(DeadlineKind(
            "residents.mediation", _("mediations (session and closing)"),
            mediation_selectors.provisional_mediations, mediation.mediations_recompute_provisional,
        ))
        register_deadline_kind(DeadlineKind(
            "residents.rule_question", _("answers to questions about the rules"),
            question_selectors.provisional_questions, rule_questions.questions_recompute_provisional,
        ))
        # UI.md: the work desk (运营工作台) counts reviews, check-ins, overdue bills and complaints due.
        from opc_community.core.desk import register_desk_item
        from residents.admin.desk import ITEMS as DESK_ITEMS

        for item in DESK_ITEMS:
            register_desk_item(item)
        # UI.md: a resident's admin page opens with a summary (agreement, balance; the apps above add theirs).
        from residents.extensions import register_summary_section
        from residents.selectors.summary import SECTIONS as SUMMARY_SECTIONS

        for section in SUMMARY_SECTIONS:
            register_summary_section(section)
        # 第三章第三条 (RULEBOOK §4.3): fees paid on time, and the project still fits (the intake team's answer).
        for condition in RESIDENTS_CONDITIONS:
            register_renewal_condition(condition)
