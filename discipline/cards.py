"""The discipline app's card on the portal dashboard (UI.md): "近期期限" — rectification deadlines, the appeal
windows still open to the resident, the end of its exit's grace period, each with the working days left —
and, above them, any suspension in force (第八章第二条: what the resident may not use, and until when or until
which invoice is paid) and every overdue invoice with the next rung of the overdue-fee ladder (第八章第二条 7).
A checked-in resident always gets the card: with nothing due it says so ("暂无期限")."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from discipline.rules.ladders import FEES, LADDER_KINDS, ladder_bands, overdue_text
from discipline.selectors.cases import DeadlineItem, resident_deadlines
from discipline.selectors.suspensions import active_suspensions
from opc_community import rulebook, workdays
from opc_community.portal.cards import Card
from residents.access import current_resident
from residents.models import ResidentStatus
from residents.selectors.ledger import overdue_invoices
from residents.selectors.lifecycle import open_exit


def overdue_bills(resident: Any, *, today: Any) -> list[dict[str, Any]]:
    """The resident's overdue invoices, each with "逾期 N 天，第 M 天起…" from the rulebook in force (two
    queries when one is overdue: the invoices, the rulebook; one otherwise)."""
    invoices = list(overdue_invoices(today=today, resident=resident))
    if not invoices:
        return []
    bands = ladder_bands(LADDER_KINDS[FEES], rulebook.in_force(on=today).violations)
    return [
        {"invoice": invoice, "text": overdue_text(invoice.days_overdue, bands)}
        for invoice in invoices
    ]


def deadlines(request: HttpRequest) -> Card | None:
    resident = current_resident(request)
    if resident is None or resident.status not in (ResidentStatus.ACTIVE, ResidentStatus.EXITING):
        return None
    today = timezone.localdate()
    items = resident_deadlines(resident)
    leaving = open_exit(resident)
    if leaving is not None and leaving.grace_ends_on and leaving.grace_ends_on >= today:
        # 第三章第四条: the grace period after the agreement ends, to move out and settle.
        items.append(
            DeadlineItem(
                title=_("Grace period ends: move out and settle by then"),
                due=leaving.grace_ends_on,
                link=reverse("residents:exit_detail", args=[leaving.pk]),
                kind="grace",
            )
        )
    items.sort(key=lambda item: item.due)
    rows = [{"item": item, "days_left": workdays.working_days_left(item.due)} for item in items]
    bills = overdue_bills(resident, today=today)
    return Card(
        "discipline/cases/_deadlines_card.html",
        {
            "rows": rows,
            "suspensions": active_suspensions(resident.pk),
            "bills": bills,
            "count": len(rows) + len(bills),
        },
    )
