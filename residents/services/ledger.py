"""Writes of the fees and deposit ledger (第三章第二条 缴纳费用及保证金).

The ledger is append-only (database triggers refuse edits and deletes of
payments and deposit entries, and of an invoice's charge): a mistake is
corrected with a new row. A payment is reversed by a negative payment with the
method "reversal" that names it (one reversal per payment, enforced by a
one-to-one column); the only field ever updated is ``Invoice.settled_on``, the
date the payments (as they now stand) covered the amount, which the services
below keep in step with the payments.

Money is Decimal yuan to the fen: amounts with more than two decimals are
refused, never rounded silently.
"""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.accounts.actors import Actor
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError
from opc_community.core.money import format_yuan, quantize_money
from residents.models import (
    Agreement,
    AgreementStatus,
    DepositEntry,
    DepositEntryKind,
    Invoice,
    InvoiceKind,
    Payment,
    PaymentMethod,
    Resident,
)
from residents.selectors.ledger import deposit_held

ZERO = Decimal("0.00")
#: Nobody records payments, reversals or deposits on their own account (conflict of interest).
OWN_LEDGER = gettext_lazy("payments and deposits of your own account")


def money(value: Any, *, field: str) -> Decimal:
    """A Decimal amount in yuan to the fen, or a DomainError on the field (no float, no silent rounding)."""
    if isinstance(value, float):
        value = str(value)
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise DomainError(_("Enter an amount in yuan, e.g. 800.00."), field=field) from None
    if not amount.is_finite() or quantize_money(amount) != amount:
        raise DomainError(_("Amounts are in yuan with at most two decimals (fen)."), field=field)
    return quantize_money(amount)


def _next_invoice_id() -> int:
    """Reserve the next invoice id, so the number can carry it (unique without a lock)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [Invoice._meta.db_table])
        return cursor.fetchone()[0]


@transaction.atomic
def invoice_create(
    *,
    resident: Resident,
    kind: str,
    description: str,
    amount: Any,
    due_on: date,
    agreement: Agreement | None = None,
    source_key: str | None = None,
    actor: Actor,
    issued_on: date | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
) -> Invoice:
    """Charge the resident ``amount`` due on ``due_on``; numbered ``INV-<year>-<id>``.

    Idempotent on ``source_key``: an automatic charge (a fine decided in the discipline app,
    a fee of an agreement) passes a key naming its cause, and calling again with the
    same key returns the invoice made the first time — even when two calls race (the
    key is unique in the database). ``actor`` may be None for a system job.
    """
    if source_key:
        existing = Invoice.objects.filter(source_key=source_key).first()
        if existing is not None:
            return _same_resident(existing, resident)
    if kind not in InvoiceKind.values:
        raise DomainError(_("Unknown kind of invoice."), field="kind")
    if not (description or "").strip():
        raise DomainError(_("Say what the invoice is for."), field="description")
    amount = money(amount, field="amount")
    if amount <= 0:
        raise DomainError(_("The amount of an invoice must be more than zero."), field="amount")
    issued_on = issued_on or timezone.localdate()
    if due_on < issued_on:
        raise DomainError(
            _("The due date cannot be earlier than the issue date (%(date)s).") % {"date": issued_on},
            field="due_on",
        )
    if agreement is not None and agreement.resident_id != resident.pk:
        raise DomainError(_("The agreement belongs to another resident."), field="agreement")
    invoice_id = _next_invoice_id()
    try:
        with transaction.atomic(), acting_as(actor, action="residents.invoice_create"):
            return Invoice.objects.create(
                id=invoice_id,
                number=f"INV-{issued_on.year}-{invoice_id:06d}",
                resident=resident,
                agreement=agreement,
                kind=kind,
                description=description.strip()[:200],
                amount=amount,
                issued_on=issued_on,
                due_on=due_on,
                period_start=period_start,
                period_end=period_end,
                source_key=source_key or None,
                created_by=actor,
            )
    except IntegrityError:
        # Another transaction created the invoice of this key meanwhile: it has committed.
        existing = Invoice.objects.filter(source_key=source_key).first() if source_key else None
        if existing is None:
            raise
        return _same_resident(existing, resident)


def _same_resident(invoice: Invoice, resident: Resident) -> Invoice:
    if invoice.resident_id != resident.pk:
        raise ConflictError(
            _("The source key %(key)s is already used by an invoice of another resident.")
            % {"key": invoice.source_key},
            field="source_key",
        )
    return invoice


def _lock_invoice(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update(no_key=True, of=("self",)).select_related("agreement", "resident").get(
        pk=invoice.pk
    )


class SettlementHandler(Protocol):
    def __call__(self, invoice: Invoice, *, settled_on: date) -> Any: ...


_settlement_handlers: list[SettlementHandler] = []


def register_settlement_handler(handler: SettlementHandler) -> None:
    """Have ``handler(invoice, settled_on=...)`` called, inside the payment's transaction, whenever an
    invoice becomes settled (``settled_on`` set from None). Other apps register from ``AppConfig.ready()``
    (discipline: a payment lifts an "until paid" suspension the same day, RULEBOOK §9 kind 7), so the
    ledger never imports them. Registering the same function twice is harmless."""
    if handler not in _settlement_handlers:
        _settlement_handlers.append(handler)


def unregister_settlement_handler(handler: SettlementHandler) -> None:
    if handler in _settlement_handlers:
        _settlement_handlers.remove(handler)


def _refresh_settlement(invoice: Invoice) -> Invoice:
    """Set ``settled_on`` to the date the payments as they now stand covered the amount (or None).

    That is the latest ``paid_on`` of the payments not reversed when they add up to the
    amount: two halves paid on 3 and 9 May settle the invoice on 9 May; reversing one
    unsets it; paying again on 20 May settles it on 20 May (late, if it was due before).
    """
    standing = Payment.objects.filter(invoice=invoice, reversed_by__isnull=True).exclude(
        method=PaymentMethod.REVERSAL
    )
    totals = standing.aggregate(paid=Sum("amount"), last=Max("paid_on"))
    settled_on = totals["last"] if (totals["paid"] or ZERO) >= invoice.amount else None
    if settled_on != invoice.settled_on:
        newly_settled = invoice.settled_on is None and settled_on is not None
        Invoice.objects.filter(pk=invoice.pk).update(settled_on=settled_on)
        invoice.settled_on = settled_on
        if newly_settled:
            for handler in list(_settlement_handlers):
                handler(invoice, settled_on=settled_on)
    return invoice


def _paid(invoice: Invoice) -> Decimal:
    return Payment.objects.filter(invoice=invoice).aggregate(total=Sum("amount"))["total"] or ZERO


@transaction.atomic
def payment_record(
    *,
    invoice: Invoice,
    amount: Any,
    paid_on: date,
    method: str,
    reference: str = "",
    note: str = "",
    actor: Actor,
) -> Payment:
    """Record money received against an invoice; partial payments are fine, overpayments refused.

    The invoice row is locked, so two staff members recording at once cannot together pay
    more than the amount. A payment "deducted from the deposit" also takes the amount out
    of the deposit held (a deposit entry "applied"), refused when the deposit is short.
    """
    invoice = _lock_invoice(invoice)
    ensure_not_own(actor, concerned_user=invoice.resident.user_id, what=OWN_LEDGER)
    if method == PaymentMethod.REVERSAL:
        raise DomainError(_("A reversal is recorded by reversing the payment it corrects."), field="method")
    if method not in PaymentMethod.values:
        raise DomainError(_("Choose how the money was paid."), field="method")
    amount = money(amount, field="amount")
    if amount <= 0:
        raise DomainError(_("The amount paid must be more than zero."), field="amount")
    if paid_on > timezone.localdate():
        raise DomainError(_("The payment date cannot be in the future."), field="paid_on")
    if invoice.agreement is not None and invoice.agreement.status == AgreementStatus.CANCELLED:
        raise DomainError(
            _("Invoice %(number)s is void: its agreement was cancelled before acceptance.")
            % {"number": invoice.number},
            field="invoice",
        )
    balance = invoice.amount - _paid(invoice)
    if amount > balance:
        raise DomainError(
            _("%(amount)s is more than the open balance of %(balance)s on invoice %(number)s; overpayments are refused.")
            % {"amount": format_yuan(amount), "balance": format_yuan(balance), "number": invoice.number},
            field="amount",
        )
    with acting_as(actor, action="residents.payment_record"):
        payment = Payment.objects.create(
            invoice=invoice,
            resident_id=invoice.resident_id,
            amount=amount,
            paid_on=paid_on,
            method=method,
            reference=(reference or "").strip()[:100],
            note=(note or "").strip()[:200],
            recorded_by=actor,
        )
    if method == PaymentMethod.DEPOSIT:
        deposit_record(
            resident=invoice.resident,
            kind=DepositEntryKind.APPLIED,
            amount=amount,
            on=paid_on,
            note=_("applied to invoice %(number)s") % {"number": invoice.number},
            actor=actor,
            agreement=invoice.agreement,
        )
    _refresh_settlement(invoice)
    return payment


@transaction.atomic
def payment_reverse(*, payment: Payment, reason: str, actor: Actor) -> Payment:
    """Reverse a payment recorded in error: a new negative payment of the same amount naming it.

    The original row stays as it was (append-only). A payment is reversed at most once
    (refused with a message; the database refuses a second reversal row too). Reversing a
    payment taken from the deposit puts the amount back into the deposit held.
    """
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for the reversal."), field="reason")
    invoice = _lock_invoice(payment.invoice)
    ensure_not_own(actor, concerned_user=invoice.resident.user_id, what=OWN_LEDGER)
    payment = Payment.objects.get(pk=payment.pk)
    if payment.method == PaymentMethod.REVERSAL:
        raise DomainError(_("A reversal cannot itself be reversed; record a new payment instead."), field="payment")
    if Payment.objects.filter(reverses=payment).exists():
        raise ConflictError(_("This payment has already been reversed."), field="payment")
    today = timezone.localdate()
    try:
        with transaction.atomic(), acting_as(actor, action="residents.payment_reverse"):
            reversal = Payment.objects.create(
                invoice=invoice,
                resident_id=invoice.resident_id,
                amount=-payment.amount,
                paid_on=today,
                method=PaymentMethod.REVERSAL,
                reference=payment.reference,
                note=reason.strip()[:200],
                recorded_by=actor,
                reverses=payment,
            )
    except IntegrityError as error:
        raise ConflictError(_("This payment has already been reversed."), field="payment") from error
    if payment.method == PaymentMethod.DEPOSIT:
        deposit_record(
            resident=invoice.resident,
            kind=DepositEntryKind.PAID,
            amount=payment.amount,
            on=today,
            note=_("returned from reversed payment on invoice %(number)s") % {"number": invoice.number},
            actor=actor,
            agreement=invoice.agreement,
        )
    _refresh_settlement(invoice)
    return reversal


_OUT_KINDS = (DepositEntryKind.REFUNDED, DepositEntryKind.FORFEITED, DepositEntryKind.APPLIED)


@transaction.atomic
def deposit_record(
    *,
    resident: Resident,
    kind: str,
    amount: Any,
    on: date,
    note: str = "",
    actor: Actor,
    agreement: Agreement | None = None,
) -> DepositEntry:
    """Record a deposit (保证金) movement: paid in, refunded, forfeited or applied to unpaid fees.

    The resident row is locked before the held amount is read, so two concurrent
    refunds / forfeitures are serialised and the held deposit never goes below zero:
    the second one sees what the first took and is refused with a message.
    ``agreement`` defaults to the resident's live agreement (issued or accepted), if any.
    """
    resident = Resident.objects.select_for_update(no_key=True).get(pk=resident.pk)
    ensure_not_own(actor, concerned_user=resident.user_id, what=OWN_LEDGER)
    if kind not in DepositEntryKind.values:
        raise DomainError(_("Unknown kind of deposit entry."), field="kind")
    amount = money(amount, field="amount")
    if amount <= 0:
        raise DomainError(_("The amount must be more than zero."), field="amount")
    if on > timezone.localdate():
        raise DomainError(_("The date cannot be in the future."), field="on")
    if agreement is not None and agreement.resident_id != resident.pk:
        raise DomainError(_("The agreement belongs to another resident."), field="agreement")
    if agreement is None:
        agreement = (
            resident.agreements.filter(status__in=[AgreementStatus.ISSUED, AgreementStatus.ACCEPTED])
            .order_by("-starts_on")
            .first()
        )
    if kind in _OUT_KINDS:
        held = deposit_held(resident)
        if amount > held:
            raise DomainError(
                _("The deposit held is %(held)s: %(amount)s cannot be taken out of it (a deposit never goes below zero).")
                % {"held": format_yuan(held), "amount": format_yuan(amount)},
                field="amount",
            )
    with acting_as(actor, action=f"residents.deposit_{kind}"):
        return DepositEntry.objects.create(
            resident=resident,
            agreement=agreement,
            kind=kind,
            amount=amount,
            on=on,
            note=(note or "").strip()[:200],
            recorded_by=actor,
        )
