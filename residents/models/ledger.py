"""Fees and deposits (第三章第二条 签订协议并缴纳费用及保证金): an append-only ledger.

Money is Decimal in yuan. Invoices and payments are never edited or deleted
(database triggers): a correction is a new row (a negative payment reverses
one). An invoice's balance is its amount minus the sum of its payments; a
resident's deposit held is the signed sum of deposit entries.
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from opc_community.core.audit import audited
from residents.models.archive import protect_archive
from residents.models.residency import Agreement, Resident


class InvoiceKind(models.TextChoices):
    FEE = "fee", _("fee")
    FINE = "fine", _("fine")
    COMPENSATION = "compensation", _("compensation")
    OTHER = "other", _("other charge")


@audited
class Invoice(models.Model):
    """A charge to a resident with a due date; ``source_key`` makes automatic charges happen once."""

    resident = models.ForeignKey(Resident, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="invoices")
    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    number = models.CharField(_("invoice number"), max_length=30, unique=True)
    kind = models.CharField(_("kind"), max_length=14, choices=InvoiceKind.choices)
    description = models.CharField(_("description"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    issued_on = models.DateField(_("issued on"))
    due_on = models.DateField(_("due on"))
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period to"), null=True, blank=True)
    # Date the payments first covered the amount (maintained by the payment service; "paid late"
    # at renewal means settled_on > due_on, 第三章第三条).
    settled_on = models.DateField(_("settled on"), null=True, blank=True)
    source_key = models.CharField(_("source"), max_length=120, null=True, blank=True, unique=True)  # noqa: DJ001
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        indexes = [models.Index(fields=["resident", "due_on"]), models.Index(fields=["settled_on", "due_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_amount_positive"),
            models.CheckConstraint(condition=Q(due_on__gte=models.F("issued_on")), name="invoice_due_after_issue"),
        ]
        triggers = [
            protect_archive(),
            pgtrigger.ReadOnly(
                name="charge_frozen",
                fields=["resident", "agreement", "number", "kind", "amount", "issued_on", "due_on", "source_key"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.description}"


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("bank transfer")
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    CASH = "cash", _("cash")
    DEPOSIT = "deposit", _("deducted from the deposit")
    REVERSAL = "reversal", _("correction (reverses an earlier payment)")


@audited
class Payment(models.Model):
    """Money received against an invoice, recorded by staff; partial payments allowed."""

    invoice = models.ForeignKey(Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="payments")
    resident = models.ForeignKey(Resident, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    paid_on = models.DateField(_("paid on"))
    method = models.CharField(_("method"), max_length=14, choices=PaymentMethod.choices)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    # A reversal names the payment it cancels; one-to-one, so no payment is ever reversed twice.
    reverses = models.OneToOneField(
        "self", verbose_name=_("reverses"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="reversed_by",
    )

    class Meta:
        ordering = ["paid_on", "id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="payment_not_zero"),
            models.CheckConstraint(
                condition=Q(amount__gt=0) | Q(method="reversal"), name="payment_negative_only_as_reversal"
            ),
            models.CheckConstraint(
                condition=Q(method="reversal", amount__lt=0, reverses__isnull=False)
                | (~Q(method="reversal") & Q(reverses__isnull=True)),
                name="payment_reversal_names_its_payment",
            ),
        ]
        triggers = [protect_archive(), pgtrigger.Protect(name="append_only", operation=pgtrigger.Update)]

    def __str__(self) -> str:
        return f"{self.invoice.number} {self.amount}"


class DepositEntryKind(models.TextChoices):
    PAID = "paid", _("deposit paid")
    REFUNDED = "refunded", _("deposit refunded")
    FORFEITED = "forfeited", _("deposit forfeited")
    APPLIED = "applied", _("deposit applied to unpaid fees")


@audited
class DepositEntry(models.Model):
    """保证金 movements. ``amount`` is positive; the kind says in or out. Held = paid − the rest (never < 0)."""

    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="deposit_entries"
    )
    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=DepositEntryKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("deposit entry")
        verbose_name_plural = _("deposit entries")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="deposit_entry_positive")]
        triggers = [protect_archive(), pgtrigger.Protect(name="append_only", operation=pgtrigger.Update)]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"
