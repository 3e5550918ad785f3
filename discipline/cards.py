"""The discipline app's card on the portal dashboard (UI.md): "近期期限" — rectification deadlines and
open appeal windows, each with the working days left."""

from django.http import HttpRequest

from discipline.selectors.cases import resident_deadlines
from opc_community import workdays
from opc_community.portal.cards import Card
from residents.access import current_resident
from residents.models import ResidentStatus


def deadlines(request: HttpRequest) -> Card | None:
    resident = current_resident(request)
    if resident is None or resident.status not in (ResidentStatus.ACTIVE, ResidentStatus.EXITING):
        return None
    items = resident_deadlines(resident)
    if not items:
        return None
    rows = [{"item": item, "days_left": workdays.working_days_left(item.due)} for item in items]
    return Card("discipline/cases/_deadlines_card.html", {"rows": rows})
