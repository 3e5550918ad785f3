"""The summary a resident's admin page opens with (UI.md: "a record's page opens with its summary"):
agreement and end date, balance and overdue bills here; the latest score and warning status, open cases and
suspensions from the apps above through :func:`residents.extensions.register_summary_section`.
One query per section, whatever the resident's history."""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.core.moments import format_day
from opc_community.core.money import format_yuan
from residents.extensions import SummaryFact, SummarySection, summary_sections
from residents.models import Resident
from residents.selectors.agreements import live_agreement
from residents.selectors.ledger import balance_and_overdue


def resident_summary(resident: Resident, *, now: datetime | None = None) -> list[SummaryFact]:
    """Every registered section's facts, in order (one query per section)."""
    now = now or timezone.now()
    return [fact for section in summary_sections() for fact in section.facts(resident, now)]


def agreement_facts(resident: Resident, now: datetime) -> list[SummaryFact]:
    """The agreement that matters today and its end date (第三章第二条; one query)."""
    today = timezone.localdate(now)
    agreement = live_agreement(resident, today=today)
    label = gettext_lazy("Agreement")
    if agreement is None:
        return [SummaryFact(label, _("none in force"))]
    text = _("%(number)s, %(status)s, ends on %(date)s") % {
        "number": agreement.number,
        "status": agreement.get_status_display(),
        "date": format_day(agreement.ends_on),
    }
    return [SummaryFact(label, text, late=agreement.ends_on < today)]


def ledger_facts(resident: Resident, now: datetime) -> list[SummaryFact]:
    """What the resident owes and how many bills are overdue (第三章第二条; one aggregate query)."""
    balance, overdue = balance_and_overdue(resident, today=timezone.localdate(now))
    text = _("%(balance)s owed") % {"balance": format_yuan(balance)}
    if overdue:
        text += " · " + _("%(count)d overdue bill(s)") % {"count": overdue}
    return [SummaryFact(gettext_lazy("Balance"), text, late=bool(overdue))]


SECTIONS = (
    SummarySection(key="agreement", order=10, facts=agreement_facts),
    SummarySection(key="ledger", order=20, facts=ledger_facts),
)
