"""Open violation cases and suspensions in force on a resident's admin page
(residents.extensions.SummarySection, registered in discipline/apps.py; one query each)."""

from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from discipline.models import ViolationCase
from discipline.selectors.cases import OPEN_STATUSES
from discipline.selectors.suspensions import active_suspensions
from opc_community.core.moments import format_day
from residents.extensions import SummaryFact
from residents.models import Resident


def case_facts(resident: Resident, now: datetime) -> list[SummaryFact]:
    """How many of the resident's violation cases are still in the workflow (第八章第二条)."""
    count = ViolationCase.objects.filter(resident=resident, status__in=OPEN_STATUSES).count()
    text = _("%(count)d open") % {"count": count} if count else _("none open")
    return [SummaryFact(gettext_lazy("Violation cases"), text, late=bool(count))]


def suspension_facts(resident: Resident, now: datetime) -> list[SummaryFact]:
    """The suspensions in force: what they cover and until when (RULEBOOK §9)."""
    suspensions = active_suspensions(resident.pk, at=now)
    if not suspensions:
        return [SummaryFact(gettext_lazy("Suspensions"), _("none in force"))]
    text = "；".join(
        _("%(scope)s until %(date)s")
        % {"scope": suspension.get_scope_display(), "date": format_day(suspension.ends_at)}
        if suspension.ends_at
        else _("%(scope)s until paid") % {"scope": suspension.get_scope_display()}
        for suspension in suspensions
    )
    return [SummaryFact(gettext_lazy("Suspensions"), text, late=True)]
