"""Compute and model vouchers (算力券、模型券, 第四章第二条; RULEBOOK §6).

A **programme** (a provider's offer: a government compute-scheduling platform, a model vendor)
is opened by the resources team and published on the notice board; residents **apply** with a
purpose and materials; the team approves with an amount (or refuses with a reason) within the
review deadline (rule data, working days); an approval issues a **grant** — the resident's
vouchers of that programme, with an amount, a balance and an expiry. Every movement of a
grant's balance is a **ledger entry** (issue, use, expiry, freeze, end at exit, reward grant),
append-only.

The balance never goes below zero, under concurrent use too: ``VoucherGrant.balance`` carries a
database CHECK (``balance >= 0``) and every change updates it under the grant's row lock
(``SELECT … FOR UPDATE``) in the same transaction as its entry.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opc_community.core.audit import audited


class ProviderKind(models.TextChoices):
    PLATFORM = "platform", _("government compute-scheduling platform")
    VENDOR = "vendor", _("model vendor")
    OTHER = "other", pgettext_lazy("voucher provider", "other provider")


class VoucherKind(models.TextChoices):
    COMPUTE = "compute", _("compute voucher")
    MODEL = "model", _("model voucher")


class VoucherUnit(models.TextChoices):
    YUAN = "yuan", _("yuan")
    TOKENS = "tokens", _("thousand tokens")
    GPU_HOURS = "gpu_hours", _("GPU hours")


@audited
class VoucherProvider(models.Model):
    """Who supplies the vouchers; ``api_user`` is the account the provider's system uses to report usage."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(pgettext_lazy("voucher provider", "kind"), max_length=10, choices=ProviderKind.choices)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    api_user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("API account"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="voucher_provider",
        help_text=_("The account whose API token the provider uses to report usage of its vouchers."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("voucher provider")
        verbose_name_plural = _("voucher providers")

    def __str__(self) -> str:
        return self.name


@audited
class VoucherProgramme(models.Model):
    """A voucher programme (算力券/模型券): what a resident may apply for, until when, how much."""

    provider = models.ForeignKey(
        VoucherProvider, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="programmes"
    )
    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(pgettext_lazy("voucher", "kind"), max_length=8, choices=VoucherKind.choices)
    unit = models.CharField(_("unit"), max_length=10, choices=VoucherUnit.choices)
    face_value = models.DecimalField(
        _("face value"), max_digits=12, decimal_places=2,
        help_text=_("The amount one approval grants unless staff approve less."),
    )
    per_resident_cap = models.DecimalField(
        _("per-resident cap"), max_digits=12, decimal_places=2,
        help_text=_("The most one resident may be granted in this programme, all approvals together."),
    )
    validity_days = models.PositiveSmallIntegerField(
        _("validity (days)"), help_text=_("A grant can be used this many calendar days after the day it is issued.")
    )
    required_materials = models.TextField(_("required materials"), blank=True)
    description = models.TextField(_("description"), blank=True)
    opens_on = models.DateField(_("applications open on"))
    closes_on = models.DateField(_("applications close on"))
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-opens_on", "title"]
        verbose_name = _("voucher programme")
        verbose_name_plural = _("voucher programmes")
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=F("opens_on")), name="voucher_programme_dates"),
            models.CheckConstraint(condition=Q(face_value__gt=0), name="voucher_programme_face_value_positive"),
            models.CheckConstraint(
                condition=Q(per_resident_cap__gte=F("face_value")), name="voucher_programme_cap_holds_face_value"
            ),
            models.CheckConstraint(condition=Q(budget__gte=0), name="voucher_programme_budget_not_negative"),
            models.CheckConstraint(condition=Q(validity_days__gt=0), name="voucher_programme_validity_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("voucher application", "submitted")
    APPROVED = "approved", pgettext_lazy("voucher application", "approved")
    REFUSED = "refused", pgettext_lazy("voucher application", "refused")
    WITHDRAWN = "withdrawn", pgettext_lazy("voucher application", "withdrawn")


@audited
class VoucherApplication(models.Model):
    """A resident's application to a programme, reviewed by the resources team within the deadline."""

    programme = models.ForeignKey(
        VoucherProgramme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="applications"
    )
    resident = models.ForeignKey(
        "residents.Resident", verbose_name=_("resident"), on_delete=models.PROTECT,
        related_name="voucher_applications",
    )
    purpose = models.TextField(_("purpose"))
    amount_requested = models.DecimalField(_("amount requested"), max_digits=12, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    review_due_at = models.DateTimeField(_("review due"))
    review_due_provisional = models.BooleanField(_("provisional deadline"), default=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    amount_approved = models.DecimalField(
        _("amount approved"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    refusal_reason = models.TextField(_("reason for the refusal"), blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("voucher application")
        verbose_name_plural = _("voucher applications")
        indexes = [models.Index(fields=["status", "review_due_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount_requested__gt=0), name="voucher_application_amount_positive"),
            models.UniqueConstraint(
                fields=["programme", "resident"], condition=Q(status="submitted"),
                name="voucher_application_one_pending",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(amount_approved__gt=0),
                name="voucher_application_approved_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} → {self.programme}"


class ApplicationFile(models.Model):
    """A material of a voucher application (stored privately; PDF/JPEG/PNG checked by content)."""

    application = models.ForeignKey(
        VoucherApplication, verbose_name=pgettext_lazy("voucher", "application"), on_delete=models.PROTECT, related_name="files"
    )
    file = models.FileField(_("file"), upload_to="vouchers/", max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("application material")
        verbose_name_plural = _("application materials")

    def __str__(self) -> str:
        return self.original_name


class GrantSource(models.TextChoices):
    APPLICATION = "application", _("approved application")
    REWARD = "reward", _("reward (Chapter 8, Article 1)")


@audited
class VoucherGrant(models.Model):
    """The resident's vouchers from one approval or reward: amount issued, balance left, expiry.

    ``balance`` is kept equal to the sum of the grant's entries; the CHECK makes a negative
    balance impossible whatever the code does.
    """

    number = models.CharField(_("voucher number"), max_length=24, unique=True)
    resident = models.ForeignKey(
        "residents.Resident", verbose_name=_("resident"), on_delete=models.PROTECT, related_name="voucher_grants"
    )
    programme = models.ForeignKey(
        VoucherProgramme, verbose_name=_("programme"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="grants",
    )
    application = models.OneToOneField(
        VoucherApplication, verbose_name=pgettext_lazy("voucher", "application"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="grant",
    )
    source = models.CharField(_("source"), max_length=12, choices=GrantSource.choices)
    source_key = models.CharField(_("source key"), max_length=64, unique=True, null=True, blank=True)
    kind = models.CharField(pgettext_lazy("voucher", "kind"), max_length=8, choices=VoucherKind.choices)
    unit = models.CharField(_("unit"), max_length=10, choices=VoucherUnit.choices)
    amount = models.DecimalField(_("amount issued"), max_digits=12, decimal_places=2)
    balance = models.DecimalField(_("balance"), max_digits=12, decimal_places=2)
    issued_at = models.DateTimeField(pgettext_lazy("voucher", "issued at"))
    expires_at = models.DateTimeField(_("expires at"))
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True)
    expired_at = models.DateTimeField(_("expired at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at exit"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("voucher grant")
        verbose_name_plural = _("voucher grants")
        indexes = [models.Index(fields=["expires_at"])]
        constraints = [
            # RULEBOOK §6: a balance never goes below zero, under concurrent use too.
            models.CheckConstraint(condition=Q(balance__gte=0), name="voucher_balance_not_negative"),
            models.CheckConstraint(condition=Q(balance__lte=F("amount")), name="voucher_balance_within_amount"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="voucher_amount_positive"),
            models.CheckConstraint(condition=Q(expires_at__gt=F("issued_at")), name="voucher_expiry_after_issue"),
        ]

    def __str__(self) -> str:
        return self.number


class EntryKind(models.TextChoices):
    ISSUE = "issue", pgettext_lazy("voucher entry", "issued")
    REWARD = "reward", pgettext_lazy("voucher entry", "granted as a reward")
    USE = "use", pgettext_lazy("voucher entry", "used")
    EXPIRY = "expiry", pgettext_lazy("voucher entry", "expired")
    FREEZE = "freeze", pgettext_lazy("voucher entry", "frozen")
    EXIT = "exit", pgettext_lazy("voucher entry", "ended at exit")


class UsageChannel(models.TextChoices):
    STAFF = "staff", _("recorded by staff")
    IMPORT = "import", _("imported from the provider's statement")
    API = "api", _("reported by the provider's system")


@audited
class VoucherEntry(models.Model):
    """One movement of a grant's balance (append-only): + on issue or reward, − on use, expiry, exit."""

    grant = models.ForeignKey(VoucherGrant, verbose_name=_("grant"), on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(pgettext_lazy("voucher entry", "kind"), max_length=8, choices=EntryKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    balance_after = models.DecimalField(_("balance after"), max_digits=12, decimal_places=2)
    at = models.DateTimeField(_("time"))
    used_on = models.DateField(_("used on"), null=True, blank=True)
    channel = models.CharField(_("recorded through"), max_length=8, choices=UsageChannel.choices, blank=True)
    reference = models.CharField(  # noqa: DJ001 - NULL: entries without a reference never clash
        _("provider's reference"), max_length=64, null=True, blank=True,
        help_text=_("The line of the provider's statement; the same reference is recorded once per grant."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("voucher ledger entry")
        verbose_name_plural = _("voucher ledger")
        constraints = [
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="voucher_entry_balance_not_negative"),
            models.UniqueConstraint(fields=["grant", "reference"], name="voucher_entry_reference_once"),
            models.UniqueConstraint(
                fields=["grant"], condition=Q(kind="expiry"), name="voucher_entry_expires_once"
            ),
            models.CheckConstraint(
                condition=~Q(kind="use") | Q(amount__lt=0), name="voucher_entry_use_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grant} {self.kind} {self.amount}"


@audited
class FraudFinding(models.Model):
    """违规套取 / 伪造材料 found by the resources team: the evidence, the vouchers frozen, the case opened."""

    resident = models.ForeignKey(
        "residents.Resident", verbose_name=_("resident"), on_delete=models.PROTECT, related_name="voucher_frauds"
    )
    application = models.ForeignKey(
        VoucherApplication, verbose_name=pgettext_lazy("voucher", "application"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="fraud_findings",
    )
    occurred_on = models.DateField(_("occurred on"))
    facts = models.TextField(_("facts and evidence"))
    evidence = models.FileField(_("evidence file"), upload_to="vouchers/fraud/", blank=True, max_length=200)
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("found by"), on_delete=models.PROTECT, related_name="+"
    )
    found_at = models.DateTimeField(_("found at"))
    case_reference = models.CharField(_("violation case"), max_length=40, blank=True)

    class Meta:
        ordering = ["-found_at"]
        verbose_name = _("voucher fraud finding")
        verbose_name_plural = _("voucher fraud findings")

    def __str__(self) -> str:
        return f"{self.resident} {self.occurred_on}"
