"""The scoring app's card on the portal dashboard (UI.md: "this quarter's score and warning status").

:func:`register` is called from ``ScoringConfig.ready()``.
"""

from django.http import HttpRequest
from django.utils import timezone

from opc_community import workdays
from opc_community.portal.cards import Card
from residents.access import current_resident
from residents.models import ResidentStatus
from scoring.selectors import cards as selectors
from scoring.services.run import rules_for
from scoring.services.signoff import publication_of


def score(request: HttpRequest) -> Card | None:
    """The latest published quarter's total, verdict, what the next quarter needs and the appeal window."""
    resident = current_resident(request)
    if resident is None or resident.status not in (ResidentStatus.ACTIVE, ResidentStatus.EXITING):
        return None
    card = selectors.latest_card(resident)
    if card is None:
        return None
    now = timezone.now()
    publication = publication_of(card.quarter)
    window_end = days_left = None
    if selectors.appeal_window_open(card.quarter, publication, now):
        window_end = publication.window_ends_at
        days_left = workdays.working_days_left(timezone.localdate(window_end))
    data = {"card": card, "outlook": selectors.outlook(card, rules_for(card.quarter)),
            "window_end": window_end, "days_left": days_left}
    return Card("scoring/cards/_dashboard_card.html", data)


def register() -> None:
    from opc_community.portal.cards import register_card

    register_card("score", score)
