"""Reads of the fees and deposit ledger (第三章第二条 缴纳费用及保证金; RULEBOOK §9 kind 7).

Every figure is a sum of ledger rows, computed by the database in the same
query as the rows it belongs to (correlated subqueries, never one query per
invoice):

- an invoice's ``paid`` is the sum of its payments (a reversal is a negative
  payment, so it cancels the payment it reverses) and its ``balance`` is
  ``amount − paid``;
- a resident's balance is the sum of the balances of the invoices it owes;
- the deposit held is the signed sum of deposit entries (paid in, the rest out).

Invoices of a *cancelled* agreement (cancelled before acceptance) are void: they
stay in the ledger as issued, but nobody owes them, so they are left out of
balances, outstanding and overdue lists (:func:`owed_invoices`).
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from residents.models import (
    AgreementStatus,
    DepositEntry,
    DepositEntryKind,
    Invoice,
    Payment,
    Resident,
)

ZERO = Decimal("0.00")
_MONEY = DecimalField(max_digits=12, decimal_places=2)


def _paid_subquery() -> Subquery:
    """Sum of the payments of the outer invoice (reversals included, so they cancel)."""
    return Subquery(
        Payment.objects.filter(invoice=OuterRef("pk"))
        .order_by()
        .values("invoice")
        .annotate(total=Sum("amount"))
        .values("total"),
        output_field=_MONEY,
    )


def with_balance(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Annotate ``paid``, ``balance`` and ``is_void`` on each invoice (same query)."""
    return invoices.annotate(
        paid=Coalesce(_paid_subquery(), Value(ZERO), output_field=_MONEY),
        balance=F("amount") - F("paid"),
        is_void=Case(
            When(agreement__status=AgreementStatus.CANCELLED, then=Value(True)),
            default=Value(False),
        ),
    )


def owed_invoices() -> QuerySet[Invoice]:
    """Every invoice somebody owes: all but those of agreements cancelled before acceptance."""
    return Invoice.objects.exclude(agreement__status=AgreementStatus.CANCELLED)


def invoice_balance(invoice: Invoice) -> Decimal:
    """``amount − sum(payments)`` of one invoice (reuses the annotation when the row has it)."""
    if hasattr(invoice, "balance"):
        return invoice.balance
    paid = Payment.objects.filter(invoice=invoice).aggregate(total=Sum("amount"))["total"] or ZERO
    return invoice.amount - paid


def resident_balance(resident: Resident) -> Decimal:
    """What the resident owes now: the sum of the balances of its owed invoices (one query)."""
    total = with_balance(owed_invoices().filter(resident=resident)).aggregate(
        total=Sum("balance", output_field=_MONEY)
    )["total"]
    return total or ZERO


def balance_and_overdue(resident: Resident, *, today: date) -> tuple[Decimal, int]:
    """What the resident owes now and how many of its bills are overdue (one aggregate query)."""
    totals = with_balance(owed_invoices().filter(resident=resident)).aggregate(
        total=Sum("balance", output_field=_MONEY), overdue=Count("pk", filter=Q(balance__gt=0, due_on__lt=today)),
    )
    return totals["total"] or ZERO, totals["overdue"]


def _signed_amount() -> Case:
    return Case(
        When(kind=DepositEntryKind.PAID, then=F("amount")),
        default=-F("amount"),
        output_field=_MONEY,
    )


def deposit_held(resident: Resident) -> Decimal:
    """The deposit (保证金) held for the resident: paid in − refunded − forfeited − applied (one query)."""
    total = DepositEntry.objects.filter(resident=resident).aggregate(total=Sum(_signed_amount()))["total"]
    return total or ZERO


def outstanding_invoices(resident: Resident) -> QuerySet[Invoice]:
    """The resident's owed invoices with an open balance, earliest due first (one query)."""
    return (
        with_balance(owed_invoices().filter(resident=resident))
        .filter(balance__gt=0)
        .select_related("agreement")
        .order_by("due_on", "id")
    )


def unpaid_due_by(resident: Resident, day: date) -> QuerySet[Invoice]:
    """The resident's owed invoices due on or before ``day`` still open (what blocks check-in)."""
    return outstanding_invoices(resident).filter(due_on__lte=day)


def overdue_invoices(*, today: date, resident: Resident | None = None) -> QuerySet[Invoice]:
    """Every owed invoice with an open balance past its due date, for all residents, in ONE query.

    Each row carries ``paid``, ``balance`` and ``days_overdue = today − due_on`` (calendar
    days, so an invoice due yesterday is 1 day overdue and one due today is not overdue),
    with ``resident`` and ``agreement`` joined. This is what the overdue-fee ladder of
    RULEBOOK §9 kind 7 reads (1–7 days warning, 8–15 fine, 16–30 suspension, ≥ 31
    forced exit): it picks each row's band from ``days_overdue`` and keys its action on
    invoice + band so that a re-run changes nothing. Residents of every status are
    included (the caller decides what an exited resident's debt means); ``resident``
    narrows to one. Ordered by resident, then due date.
    """
    invoices = owed_invoices() if resident is None else owed_invoices().filter(resident=resident)
    return (
        # Open invoices are those not settled (``settled_on``, kept by the payment service): the index on
        # (settled_on, due_on) finds them without summing the payments of every invoice ever issued; the
        # balance is still computed for the rows found (and checked, should a row be out of step).
        with_balance(invoices.filter(settled_on__isnull=True, due_on__lt=today))
        .filter(balance__gt=0)
        .annotate(
            days_overdue=Func(
                Value(today), F("due_on"), template="(%(expressions)s)", arg_joiner=" - ",
                output_field=IntegerField(),
            )
        )
        .select_related("resident", "agreement")
        .order_by("resident_id", "due_on", "id")
    )


def invoices_paid_late(resident: Resident, *, since: date) -> QuerySet[Invoice]:
    """The resident's owed invoices due on or after ``since`` that were settled after their due date.

    For the renewal condition "all fees paid on time this term" (第三章第三条; RULEBOOK §4.3):
    pass the current agreement's start date. Invoices still open are not here — see
    :func:`overdue_invoices` for those.
    """
    return owed_invoices().filter(resident=resident, due_on__gte=since, settled_on__gt=F("due_on"))


# --- Pages ------------------------------------------------------------------------------


def invoice_rows(invoices: QuerySet[Invoice] | None = None) -> QuerySet[Invoice]:
    """Invoices for a list (portal, admin, API, Excel): balance annotations + resident and agreement, one query."""
    invoices = Invoice.objects.all() if invoices is None else invoices
    return with_balance(invoices).select_related("resident", "agreement")


def resident_invoices(resident: Resident) -> QuerySet[Invoice]:
    return invoice_rows(Invoice.objects.filter(resident=resident)).order_by("due_on", "id")


def resident_payments(resident: Resident) -> QuerySet[Payment]:
    return (
        Payment.objects.filter(resident=resident)
        .select_related("invoice", "reverses")
        .annotate(is_reversed=Q(reversed_by__isnull=False))
        .order_by("-paid_on", "-id")
    )


def resident_deposit_entries(resident: Resident) -> QuerySet[DepositEntry]:
    return DepositEntry.objects.filter(resident=resident).select_related("agreement").order_by("-on", "-id")


@dataclass(frozen=True)
class LedgerSummary:
    """The resident's money at a glance (portal "我的费用")."""

    invoices: list[Invoice]
    payments: list[Payment]
    deposit_entries: list[DepositEntry]
    balance: Decimal  # what is due now: the open balances due today or earlier ("待缴金额")
    overdue_count: int
    deposit_held: Decimal
    deposit_expected: Decimal | None
    upcoming: list[Invoice] = field(default_factory=list)  # open invoices not yet due, soonest first

    @property
    def upcoming_total(self) -> Decimal:
        return sum((invoice.balance for invoice in self.upcoming), ZERO)

    @property
    def deposit_short(self) -> Decimal:
        if self.deposit_expected is None:
            return ZERO
        return max(self.deposit_expected - self.deposit_held, ZERO)


def annotate_due_state(invoices: list[Invoice], *, today: date) -> None:
    """Set ``is_open``, ``days_overdue`` (calendar days) and ``working_days_left`` on annotated invoices.

    One working-day calendar for the whole list (``work_calendar``), so a page costs the same with 1 or
    100 invoices.
    """
    from opc_community.workdays.selectors import work_calendar

    open_invoices = [invoice for invoice in invoices if invoice.balance > 0 and not invoice.is_void]
    calendar = None
    if open_invoices:
        calendar = work_calendar()
    open_ids = {invoice.pk for invoice in open_invoices}
    for invoice in invoices:
        invoice.is_open = invoice.pk in open_ids
        invoice.days_overdue = (today - invoice.due_on).days if invoice.is_open and invoice.due_on < today else 0
        invoice.working_days_left = 0
        if invoice.is_open and calendar is not None:
            left = calendar.working_days_between(today, invoice.due_on)
            invoice.working_days_left = min(left, -1) if invoice.due_on < today else left


def ledger_summary(resident: Resident, *, today: date, deposit_expected: Decimal | None = None) -> LedgerSummary:
    """Invoices, payments and deposit entries of one resident: five queries at most whatever their number
    (three lists + the working-day calendar's two when an invoice is open)."""
    invoices = list(resident_invoices(resident))  # 1: invoices with balances
    payments = list(resident_payments(resident))  # 2: payments with their invoice
    entries = list(resident_deposit_entries(resident))  # 3: deposit entries
    owed = [invoice for invoice in invoices if not invoice.is_void]
    held = sum(
        (entry.amount if entry.kind == DepositEntryKind.PAID else -entry.amount for entry in entries), ZERO
    )
    annotate_due_state(invoices, today=today)
    # Only what is due by today counts as "to pay"; a schedule of future monthly fees issued at check-in is
    # listed as upcoming, never added to the sum (UI.md: a total never mixes due now with future bills).
    return LedgerSummary(
        invoices=invoices,
        payments=payments,
        deposit_entries=entries,
        balance=sum((invoice.balance for invoice in owed if invoice.due_on <= today), ZERO),
        overdue_count=sum(1 for invoice in owed if invoice.days_overdue > 0),
        deposit_held=held,
        deposit_expected=deposit_expected,
        upcoming=[invoice for invoice in owed if invoice.is_open and invoice.due_on > today],
    )


def invoice_for_resident(resident: Resident, pk: Any) -> Invoice | None:
    """One of the resident's own invoices with balances (another resident's id: None → 404)."""
    return resident_invoices(resident).filter(pk=pk).first()
