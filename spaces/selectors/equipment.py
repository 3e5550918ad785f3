"""Reads of equipment lending (公共资源, 第四章第二条): the inventory with availability, loans, the archive lines.

Each page reads in a fixed number of queries: availability is an annotation (an ``Exists`` over open
loans), loans come with their item, resident and staff.
"""

from datetime import datetime
from typing import Any

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.core.money import format_yuan
from spaces.models import (
    OPEN_LOAN_STATUSES,
    Equipment,
    EquipmentCondition,
    EquipmentLoan,
    LoanStatus,
)

_RELATED = ("equipment", "resident", "handed_out_by", "returned_by")
ARCHIVE_LABEL = gettext_lazy("Equipment loans")


def inventory() -> QuerySet[Equipment]:
    """Every item with ``on_loan`` (an open loan holds it) and ``available`` (lendable and free)."""
    held = EquipmentLoan.objects.filter(equipment=OuterRef("pk"), status__in=OPEN_LOAN_STATUSES)
    free = Q(is_active=True) & ~Q(condition=EquipmentCondition.DAMAGED) & ~Exists(held)
    return Equipment.objects.annotate(
        on_loan=Exists(held), available=ExpressionWrapper(free, output_field=BooleanField())
    ).order_by("category", "asset_number")


def lendable() -> QuerySet[Equipment]:
    """Items shown to residents: in service (available or not), by category."""
    return inventory().filter(is_active=True)


def loans() -> QuerySet[EquipmentLoan]:
    """Every loan with its item, resident and the staff who handled it (one query per page)."""
    return EquipmentLoan.objects.select_related(*_RELATED).order_by("-requested_at", "-pk")


def loans_of(resident: Any) -> QuerySet[EquipmentLoan]:
    """The resident's own loans (the portal and the API fetch through this: another's is not found)."""
    return loans().filter(resident=resident)


def open_loans_of(resident: Any) -> QuerySet[EquipmentLoan]:
    return loans_of(resident).filter(status__in=OPEN_LOAN_STATUSES)


def overdue(queryset: QuerySet[EquipmentLoan], *, now: datetime | None = None) -> QuerySet[EquipmentLoan]:
    """Loans still out after their due time."""
    return queryset.filter(status=LoanStatus.OUT, due_at__lt=now or timezone.now())


def loan_for_case(loan_id: int) -> EquipmentLoan | None:
    """One returned loan with a recorded damage (what the discipline app opens a 3c case from), or None."""
    return loans().filter(pk=loan_id, status=LoanStatus.RETURNED, damage_value__isnull=False).first()


def counts(*, now: datetime | None = None) -> dict[str, int]:
    """Open, out and overdue loans (the admin's counts; one query)."""
    now = now or timezone.now()
    return EquipmentLoan.objects.aggregate(
        reserved=Count("pk", filter=Q(status=LoanStatus.REQUESTED)),
        out=Count("pk", filter=Q(status=LoanStatus.OUT)),
        overdue=Count("pk", filter=Q(status=LoanStatus.OUT, due_at__lt=now)),
        damaged=Count("pk", filter=Q(status=LoanStatus.RETURNED, damage_value__isnull=False)),
    )


def availability_summary() -> list[dict[str, Any]]:
    """Per category: items in service and items free now (the notice board's public view; one query)."""
    rows = (
        inventory().filter(is_active=True).order_by().values("category")
        .annotate(total=Count("pk"), free=Count("pk", filter=Q(available=True)))
        .order_by("category")
    )
    return list(rows)


def archive_entries(resident: Any) -> list[Any]:
    """The resident's loans as archive lines: reserved, handed out, returned (with condition, days late and
    damage) or cancelled, in time order (one query)."""
    from residents.selectors.archive import Entry, _name

    entries = []
    for loan in loans_of(resident).order_by("requested_at", "pk"):
        item = str(loan.equipment)
        entries.append(Entry(at=loan.requested_at, section="equipment",
                             title=_("Reserved %(item)s") % {"item": item}, detail=loan.purpose))
        if loan.handed_out_at:
            entries.append(Entry(at=loan.handed_out_at, section="equipment",
                                 title=_("Borrowed %(item)s") % {"item": item},
                                 actor=_name(loan.handed_out_by)))
        if loan.returned_at:
            details = [str(loan.get_condition_in_display())]
            if loan.overdue_days:
                details.append(str(_("%(days)s days late") % {"days": loan.overdue_days}))
            if loan.damage_value is not None:
                details.append(str(_("damage %(value)s") % {"value": format_yuan(loan.damage_value)}))
            if loan.case_number:
                details.append(loan.case_number)
            entries.append(Entry(at=loan.returned_at, section="equipment",
                                 title=_("Returned %(item)s") % {"item": item},
                                 detail="；".join(details), actor=_name(loan.returned_by)))
        if loan.cancelled_at:
            entries.append(Entry(at=loan.cancelled_at, section="equipment",
                                 title=_("Reservation of %(item)s cancelled") % {"item": item},
                                 detail=loan.cancel_reason))
    return sorted(entries, key=lambda entry: entry.at)
