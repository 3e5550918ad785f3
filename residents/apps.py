from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    """Intake, review, agreements, fees and deposits, renewal, exit, bans, archive, complaints (第三章)."""

    name = "residents"
    verbose_name = _("Residents")

    def ready(self) -> None:
        from opc_community.notices.registry import register_name_source
        from opc_community.portal.cards import register_card
        from residents import cards
        from residents.extensions import register_renewal_condition
        from residents.models import Application
        from residents.selectors.lifecycle import RESIDENTS_CONDITIONS

        # RULEBOOK §10 (decisions added 2026-12): the name on an applicant's ID card is a known name.
        register_name_source(Application, "person_name")

        register_card("application", cards.application)
        register_card("agreement", cards.agreement)
        register_card("complaints", cards.complaints)
        register_card("shortcuts", cards.shortcuts)
        # 第三章第三条 (RULEBOOK §4.3): fees paid on time, and the project still fits (the intake team's answer).
        for condition in RESIDENTS_CONDITIONS:
            register_renewal_condition(condition)
