"""The latest score and warning status on a resident's admin page (residents.extensions.SummarySection,
registered in scoring/apps.py; one query)."""

from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from residents.extensions import SummaryFact
from residents.models import Resident
from scoring.models import Outcome
from scoring.selectors.cards import latest_card


def score_facts(resident: Resident, now: datetime) -> list[SummaryFact]:
    """The latest published card: its quarter, total and outcome; red on the warning list or eliminated
    (第六章第二条)."""
    label = gettext_lazy("Latest score")
    card = latest_card(resident)
    if card is None:
        return [SummaryFact(label, _("no published score yet"))]
    quarter = _("%(year)d Q%(number)d") % {"year": card.quarter.year, "number": card.quarter.number}
    text = _("%(quarter)s: %(total)d points, %(outcome)s") % {
        "quarter": quarter,
        "total": card.total,
        "outcome": card.get_outcome_display(),
    }
    return [SummaryFact(label, text, late=card.outcome != Outcome.OK)]
