"""The discipline app's card on the portal dashboard (UI.md): "近期期限" — rectification deadlines and
open appeal windows, each with the working days left — and, above them, any suspension in force
(第八章第二条: what the resident may not use, and until when or until which invoice is paid)."""

from django.http import HttpRequest

from discipline.selectors.cases import resident_deadlines
from discipline.selectors.suspensions import active_suspensions
from opc_community import workdays
from opc_community.portal.cards import Card
from residents.access import current_resident
from residents.models import ResidentStatus


def deadlines(request: HttpRequest) -> Card | None:
    resident = current_resident(request)
    if resident is None or resident.status not in (ResidentStatus.ACTIVE, ResidentStatus.EXITING):
        return None
    items = resident_deadlines(resident)
    suspensions = active_suspensions(resident.pk)
    if not items and not suspensions:
        return None
    rows = [{"item": item, "days_left": workdays.working_days_left(item.due)} for item in items]
    return Card("discipline/cases/_deadlines_card.html", {"rows": rows, "suspensions": suspensions})
