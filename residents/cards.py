"""The residents app's cards on the portal dashboard (UI.md): application, agreement, requests."""

from django.http import HttpRequest

from opc_community import workdays
from opc_community.accounts.permissions import is_staff_account
from opc_community.portal.cards import Card, shortcut_links
from opc_community.workdays.rules import local_date
from residents.access import current_resident
from residents.models import ResidentStatus
from residents.selectors.agreements import agreement_card
from residents.selectors.complaints import open_complaints_card
from residents.selectors.intake import application_page


def application(request: HttpRequest) -> Card | None:
    """Applicants (and former residents): the current application, or an invitation to apply."""
    resident = current_resident(request)
    if resident is not None and resident.status != ResidentStatus.EXITED:
        return None
    if is_staff_account(request.user):  # staff accounts never apply (accounts.conflicts)
        return None
    current = application_page(request.user)
    due = getattr(current, "current_due", None)
    days_left = workdays.working_days_left(local_date(due)) if due else None
    return Card("residents/intake/_card.html", {"application": current, "days_left": days_left})


def agreement(request: HttpRequest) -> Card | None:
    resident = current_resident(request)
    if resident is None or resident.status == ResidentStatus.EXITED:
        return None
    card = agreement_card(resident)
    return Card("residents/agreements/dashboard_card.html", card) if card else None


def complaints(request: HttpRequest) -> Card | None:
    resident = current_resident(request)
    if resident is None or resident.status not in (ResidentStatus.ACTIVE, ResidentStatus.EXITING):
        return None
    return Card("residents/complaints/_card.html", open_complaints_card(resident))


def shortcuts(request: HttpRequest) -> Card | None:
    """Links to every part of a resident's own records."""
    resident = current_resident(request)
    if resident is None or resident.status == ResidentStatus.EXITED:
        return None
    checked_in = resident.status != ResidentStatus.ONBOARDING
    return Card("residents/_shortcuts.html", {"checked_in": checked_in, "links": shortcut_links(checked_in=checked_in)})
