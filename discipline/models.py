"""Discipline and rewards (第八章): violation cases and their penalties, rectification notices,
appeals (复核), suspensions, rewards and volunteer service, and the tamper-evident decision ledger.

A suspension (暂停使用) is what the booking, voucher and portal paths check, through
``discipline.selectors.active_suspension`` — one selector for every path.
"""

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from discipline.rules.occupants import OCCUPANT_KINDS
from opc_community.core.audit import audited
from opc_community.core.models import AppealRecord


class SuspensionScope(models.TextChoices):
    """What a suspension covers (第八章第二条: 公共空间 / 公共资源 / 资源使用权限 / 社区使用); the actions of
    each scope are ``discipline.rules.SUSPENDED_ACTIONS`` (RULEBOOK §9, decisions added 2026-12)."""

    PUBLIC_SPACES = "public_spaces", _("public spaces (room bookings)")
    PUBLIC_RESOURCES = "public_resources", _("public resources (equipment lending, public facilities)")
    RESOURCES = "resources", _("resources (vouchers, equipment, shared resources)")
    COMMUNITY = "community", _("the whole community")


@audited
class Suspension(models.Model):
    """A period during which a resident may not use a scope; open-ended while ``until_paid`` an invoice."""

    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="suspensions")
    scope = models.CharField(_("scope"), max_length=16, choices=SuspensionScope.choices)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"), null=True, blank=True, help_text=_("Empty: until the invoice is paid."))
    until_paid = models.ForeignKey(
        "residents.Invoice", verbose_name=_("until this invoice is paid"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=300)
    # "立即" (1a, 4b, 6c; RULEBOOK §9 decision added 2026-12): an interim community suspension imposed
    # while the case waits for its publication window, lifted when the final measure takes effect or the
    # case is dismissed or annulled.
    interim_for = models.ForeignKey(
        "discipline.ViolationCase", verbose_name=_("interim measure of case"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="interim_suspensions",
    )
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")
        indexes = [models.Index(fields=["resident", "scope", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=False) | Q(until_paid__isnull=False) | Q(interim_for__isnull=False),
                name="suspension_has_an_end",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")), name="suspension_period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident}: {self.get_scope_display()}"


# --- Violation cases (第八章第二条 处罚流程) ---------------------------------------------------


class CaseStatus(models.TextChoices):
    FOUND = "found", _("found")
    VERIFIED = "verified", _("verified")
    NOTICE_ISSUED = "notice_issued", _("rectification notice issued")
    RECTIFIED = "rectified", _("rectified in time")
    NOT_RECTIFIED = "not_rectified", _("not rectified")
    DECIDED = "decided", _("penalty decided")
    PUBLISHED = "published", _("published, appeal window open")
    CONFIRMED = "confirmed", _("confirmed")
    ANNULLED = "annulled", _("annulled on appeal")
    DISMISSED = "dismissed", _("dismissed (not verified)")


#: 处罚流程: found → verified → notice → rectified or not → decided → published → confirmed / annulled.
CASE_TRANSITIONS: dict[str, frozenset[str]] = {
    CaseStatus.FOUND: frozenset({CaseStatus.VERIFIED, CaseStatus.DISMISSED}),
    CaseStatus.VERIFIED: frozenset({CaseStatus.NOTICE_ISSUED, CaseStatus.DISMISSED}),
    CaseStatus.NOTICE_ISSUED: frozenset({CaseStatus.RECTIFIED, CaseStatus.NOT_RECTIFIED, CaseStatus.DECIDED}),
    CaseStatus.RECTIFIED: frozenset({CaseStatus.DECIDED}),
    CaseStatus.NOT_RECTIFIED: frozenset({CaseStatus.DECIDED}),
    CaseStatus.DECIDED: frozenset({CaseStatus.PUBLISHED}),
    CaseStatus.PUBLISHED: frozenset({CaseStatus.CONFIRMED, CaseStatus.ANNULLED}),
    CaseStatus.CONFIRMED: frozenset({CaseStatus.ANNULLED}),  # an appeal upheld after confirmation
    CaseStatus.ANNULLED: frozenset(),
    CaseStatus.DISMISSED: frozenset(),
}

#: Penalties on record, for renewal, rewards and reports (RULEBOOK §4.3, §8: decided penalties; annulled ones
#: do not). The same-kind count of §9 counts from verification on: ``discipline.rules.COUNTING_CASE_STATUSES``.
COUNTING_STATUSES = (CaseStatus.DECIDED, CaseStatus.PUBLISHED, CaseStatus.CONFIRMED)


@audited(exclude=("occupant_id_number", "occupant_phone"))
class ViolationCase(models.Model):
    """One violation of one resident — or, for 1a 擅自入驻, of an *occupant* who is no resident (someone
    squatting a desk, a resident's friend living in) — through the whole 处罚流程 to its effects.

    Exactly one of ``resident`` and ``occupant_name`` is set (a check constraint). An occupant is known
    by name, ID card number (normalised as intake does: ``residents.rules.identity.normalise_identity``),
    phone and a description; the same-kind count and the re-application ban follow the ID number.

    ``kind`` is a code of the rulebook's penalty table (1a…8); ``occurred_on`` (the day it
    happened, not the day it was confirmed) places it in the look-back window. Automatic
    ladders (overdue fees, overdue exit) open cases with a ``source_key`` so that each band
    happens once per invoice or exit.
    """

    resident = models.ForeignKey(
        "residents.Resident", verbose_name=_("resident"), on_delete=models.PROTECT, related_name="violation_cases",
        null=True, blank=True,
    )
    occupant_name = models.CharField(_("occupant's name"), max_length=60, blank=True)
    occupant_id_number = models.CharField(_("occupant's ID card number"), max_length=18, blank=True)
    occupant_phone = models.CharField(_("occupant's phone"), max_length=20, blank=True)
    occupant_description = models.TextField(
        _("who the occupant is"), blank=True, help_text=_("E.g. a resident's friend living at desk A-12."),
    )
    number = models.CharField(_("case number"), max_length=30, unique=True)
    kind = models.CharField(_("violation kind"), max_length=4)
    occurred_on = models.DateField(_("occurred on"))
    facts = models.TextField(_("facts"))
    measure = models.DecimalField(
        _("measured value (days or damage in yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    flags = ArrayField(models.CharField(max_length=16), verbose_name=_("circumstances"), default=list, blank=True)
    flag_reason = models.TextField(_("reason for the circumstances (serious, loss…)"), blank=True)
    status = models.CharField(_("status"), max_length=14, choices=CaseStatus.choices, default=CaseStatus.FOUND)
    source_key = models.CharField(_("source"), max_length=120, null=True, blank=True, unique=True)  # noqa: DJ001
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("found by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    found_at = models.DateTimeField(_("found at"))
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("verified by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    same_kind_count = models.PositiveSmallIntegerField(_("same-kind count incl. this one"), null=True, blank=True)
    rulebook_version = models.PositiveIntegerField(_("rulebook version"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # A decided case is published within ``deadlines.decision_publication_working_days`` of its decision
    # (stored at the event; recomputed while provisional when the calendar changes, RULEBOOK §2).
    publish_due_at = models.DateTimeField(_("publish by"), null=True, blank=True)
    publish_due_provisional = models.BooleanField(_("publish-by date provisional"), default=False)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    annulled_at = models.DateTimeField(_("annulled at"), null=True, blank=True)
    dismissal_reason = models.TextField(_("reason for dismissal"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-found_at"]
        verbose_name = _("violation case")
        verbose_name_plural = _("violation cases")
        indexes = [
            models.Index(fields=["resident", "kind", "occurred_on"]),
            models.Index(fields=["occupant_id_number", "kind", "occurred_on"], name="case_occupant_count_idx"),
            models.Index(fields=["status", "found_at"]),
        ]
        constraints = [
            # Exactly one of a resident and an occupant; an occupant's fields stay empty on a resident's case.
            models.CheckConstraint(
                condition=(
                    Q(resident__isnull=False, occupant_name="", occupant_id_number="", occupant_phone="",
                      occupant_description="")
                    | (Q(resident__isnull=True) & ~Q(occupant_name=""))
                ),
                name="case_resident_xor_occupant",
            ),
            models.CheckConstraint(condition=Q(occupant_name="") | Q(kind__in=OCCUPANT_KINDS),
                                   name="case_occupant_only_1a"),
            # Stored as intake stores it (NFKC, ASCII digits, X upper-case): the ban and the count match on it.
            models.CheckConstraint(
                condition=Q(occupant_name="") | Q(occupant_id_number__regex=r"^[0-9]{17}[0-9X]$"),
                name="case_occupant_id_number_shape",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="keep_cases", operation=pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_occupant(self) -> bool:
        """A case against someone who is not a resident (1a only)."""
        return self.resident_id is None

    @property
    def subject_name(self) -> str:
        """Who the case is against, in full (staff pages, the notice): the resident's or the occupant's name."""
        if self.resident_id is None:
            return self.occupant_name
        return str(self.resident)


class EvidenceFile(models.Model):
    """Evidence of a case (photos, documents): private, served through a permission-checked view."""

    case = models.ForeignKey(ViolationCase, verbose_name=_("case"), on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(_("file"), upload_to="evidence/", max_length=200)
    original_name = models.CharField(_("original file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    by_resident = models.BooleanField(_("submitted by the resident (appeal)"), default=False)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        triggers = [pgtrigger.Protect(name="keep_evidence", operation=pgtrigger.Delete)]

    def __str__(self) -> str:
        return self.original_name


@audited
class RectificationNotice(models.Model):
    """《违规整改通知书》: facts, article violated, requirement and deadline; rendered as a PDF."""

    case = models.OneToOneField(
        ViolationCase, verbose_name=_("case"), on_delete=models.PROTECT, related_name="notice"
    )
    number = models.CharField(_("notice number"), max_length=40, unique=True)
    requirement = models.TextField(_("rectification requirement"))
    deadline = models.DateField(_("rectify by"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    issued_at = models.DateTimeField(pgettext_lazy("rectification notice", "issued at"))
    document = models.FileField(_("notice PDF"), upload_to="notices/", blank=True, max_length=200)
    # An occupant has no account: staff hand the printed notice over and record it here.
    handed_over_on = models.DateField(_("handed over on"), null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("handed over by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    rectified_at = models.DateTimeField(_("rectified at"), null=True, blank=True)
    result_note = models.TextField(_("rectification result"), blank=True)

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("rectification notice")
        verbose_name_plural = _("rectification notices")
        triggers = [pgtrigger.Protect(name="keep_notices", operation=pgtrigger.Delete)]

    def __str__(self) -> str:
        return self.number


@audited
class PenaltyMeasure(models.Model):
    """One measure of a decided case (a fine with its chosen amount, a suspension, a forced exit…),
    with the effect it produced in the owning app once applied."""

    case = models.ForeignKey(
        ViolationCase, verbose_name=_("case"), on_delete=models.PROTECT, related_name="measures"
    )
    type = models.CharField(_("measure"), max_length=20)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, null=True, blank=True)
    scope = models.CharField(
        _("scope"), max_length=16, choices=SuspensionScope.choices, blank=True
    )
    days = models.PositiveSmallIntegerField(_("days"), null=True, blank=True)
    until_paid = models.BooleanField(_("until paid"), default=False)
    ban_years = models.PositiveSmallIntegerField(_("ban (years)"), null=True, blank=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    invoice = models.ForeignKey(
        "residents.Invoice", verbose_name=_("invoice"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    suspension = models.ForeignKey(
        Suspension, verbose_name=_("suspension"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["case", "id"]
        verbose_name = _("penalty measure")
        verbose_name_plural = _("penalty measures")
        constraints = [
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gte=0), name="measure_amount_not_negative")
        ]
        triggers = [
            # Kept with its case; what was decided never changes (applying it only records the effect).
            pgtrigger.Protect(name="keep_measures", operation=pgtrigger.Delete),
            pgtrigger.ReadOnly(
                name="decision_frozen", fields=["case", "type", "amount", "scope", "days", "until_paid", "ban_years"]
            ),
        ]

    def __str__(self) -> str:
        from opc_community.rulebook.labels import CHOICE_LABELS

        return f"{self.case}: {CHOICE_LABELS.get(self.type, self.type)}"  # the measure's name, never its code


class AppealStatus(models.TextChoices):
    PENDING = "pending", _("awaiting review")
    UPHELD = "upheld", _("upheld (penalty annulled)")
    DISMISSED = "dismissed", _("dismissed")


@audited
class Appeal(AppealRecord):
    """复核: the resident's request for review of a penalty, answered within 3 working days (第八章第二条)."""

    case = models.ForeignKey(ViolationCase, verbose_name=_("case"), on_delete=models.PROTECT, related_name="appeals")
    resident = models.ForeignKey(
        "residents.Resident", verbose_name=_("resident"), on_delete=models.PROTECT, related_name="appeals"
    )
    status = models.CharField(_("status"), max_length=10, choices=AppealStatus.choices, default=AppealStatus.PENDING)

    class Meta(AppealRecord.Meta):
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(status="pending"), name="appeal_one_pending_per_case")
        ]
        triggers = [pgtrigger.Protect(name="keep_appeals", operation=pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.case} ({self.get_status_display()})"


# --- Rewards (第八章第一条) -----------------------------------------------------------------------


@audited
class VolunteerService(models.Model):
    """志愿服务 records per resident (feed the compliance-excellence reward)."""

    resident = models.ForeignKey(
        "residents.Resident", verbose_name=_("resident"), on_delete=models.PROTECT, related_name="volunteer_services"
    )
    served_on = models.DateField(_("date"))
    activity = models.CharField(_("activity"), max_length=200)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-served_on"]
        verbose_name = _("volunteer service")
        verbose_name_plural = _("volunteer services")
        indexes = [models.Index(fields=["resident", "served_on"])]

    def __str__(self) -> str:
        return f"{self.resident} {self.served_on}"


class RewardKind(models.TextChoices):
    COMPLIANCE = "compliance", _("compliance excellence")
    INNOVATION = "innovation", _("project innovation")
    OTHER = "other", _("other contribution")


class RewardChoice(models.TextChoices):
    """Compliance excellence: the resident chooses one (第八章第一条)."""

    ROADSHOW_CREDITS = "roadshow_credits", _("free roadshow-hall bookings")
    VOUCHER_SUBSIDY = "voucher_subsidy", _("compute-voucher subsidy")
    CASH = "cash", _("cash")
    RESOURCE_SUPPORT = "resource_support", _("resource support")


class RewardStatus(models.TextChoices):
    VERIFIED = "verified", _("verified")
    PUBLISHED = "published", _("on the notice board")
    APPROVED = "approved", _("approved, to be granted")
    GRANTED = "granted", _("granted")
    ANNULLED = "annulled", _("annulled (objection upheld)")


REWARD_TRANSITIONS: dict[str, frozenset[str]] = {
    RewardStatus.VERIFIED: frozenset({RewardStatus.PUBLISHED, RewardStatus.ANNULLED}),
    RewardStatus.PUBLISHED: frozenset({RewardStatus.APPROVED, RewardStatus.ANNULLED}),
    RewardStatus.APPROVED: frozenset({RewardStatus.GRANTED}),
    RewardStatus.GRANTED: frozenset(),
    RewardStatus.ANNULLED: frozenset(),
}


@audited
class Reward(models.Model):
    """A reward: verified → published 3 working days → no upheld objection → granted within 10 working days."""

    resident = models.ForeignKey(
        "residents.Resident", verbose_name=_("resident"), on_delete=models.PROTECT, related_name="rewards"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=RewardKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    level = models.CharField(_("award level"), max_length=12, blank=True)  # innovation: municipal / provincial
    reason = models.TextField(_("grounds"))
    choice = models.CharField(_("reward chosen"), max_length=18, choices=RewardChoice.choices, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=RewardStatus.choices, default=RewardStatus.VERIFIED)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("verified by"), on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(_("verified at"))
    # Granted within the working days of the rulebook from the end of the publication (or a late
    # objection decision); a provisional deadline is recomputed from that start (RULEBOOK §2).
    grant_period_starts_at = models.DateTimeField(_("grant period starts at"), null=True, blank=True)
    grant_due_at = models.DateTimeField(_("grant due"), null=True, blank=True)
    grant_due_provisional = models.BooleanField(_("grant due provisional"), default=False)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("granted by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    granted_at = models.DateTimeField(_("granted at"), null=True, blank=True)
    rulebook_version = models.PositiveIntegerField(_("rulebook version"))
    evidence_ref = models.CharField(
        _("certificate or basis"), max_length=300, blank=True,
        help_text=_("Innovation: the award certificate (issuer, number, date); other contribution: what was done."),
    )
    evidence = models.FileField(_("certificate scan"), upload_to="rewards/", blank=True, max_length=200)
    support = models.CharField(_("resource support"), max_length=300, blank=True)
    # Innovation found by the system: the verified award of the quarterly inputs it came from (第六章 维度四;
    # discipline.selectors.rewards.innovation_candidates). Empty when staff entered the award by hand.
    award_claim = models.ForeignKey(
        "scoring.AwardClaim", verbose_name=_("award in the quarterly inputs"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="rewards",
    )
    grant_note = models.CharField(_("grant record"), max_length=300, blank=True)
    annulled_at = models.DateTimeField(_("annulled at"), null=True, blank=True)
    annul_reason = models.TextField(_("reason for annulment"), blank=True)

    class Meta:
        ordering = ["-verified_at"]
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        indexes = [models.Index(fields=["status", "grant_due_at"])]
        triggers = [pgtrigger.Protect(name="keep_rewards", operation=pgtrigger.Delete)]
        constraints = [
            # Compliance excellence is granted at most once a year (RULEBOOK §8 decision).
            models.UniqueConstraint(
                fields=["resident", "year"], condition=Q(kind="compliance") & ~Q(status="annulled"),
                name="reward_compliance_once_a_year",
            ),
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gte=0), name="reward_amount_not_negative"),
            # One award of the quarterly inputs is rewarded once (an annulled reward frees it).
            models.UniqueConstraint(
                fields=["award_claim"], condition=~Q(status="annulled"), name="reward_award_claim_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident}: {self.get_kind_display()} {self.year}"


# --- The tamper-evident decision ledger ---------------------------------------------------------


class LedgerKind(models.TextChoices):
    PENALTY = "penalty", _("penalty decision")
    REWARD = "reward", _("reward decision")
    APPEAL = "appeal", _("appeal decision")


class DecisionLedgerEntry(models.Model):
    """An append-only chain: each row's hash covers the previous row's hash and the decision's
    canonical content, so editing or removing any row breaks every hash after it."""

    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=LedgerKind.choices)
    object_id = models.PositiveBigIntegerField(_("decision id"))
    content = models.JSONField(_("content"))
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    entry_hash = models.CharField(_("hash"), max_length=64, unique=True)
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["sequence"]
        verbose_name = _("decision ledger entry")
        verbose_name_plural = _("decision ledger")
        triggers = [
            pgtrigger.Protect(name="append_only_update", operation=pgtrigger.Update),
            pgtrigger.Protect(name="append_only_delete", operation=pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.get_kind_display()}"


class LedgerCheckpoint(models.Model):
    """The chain's head (sequence and hash) as published on the notice board: a later verification that
    finds another hash at that sequence — or no entry — shows the chain was rewritten or cut short.

    Append-only twice over: triggers refuse UPDATE and DELETE, and the application role holds only
    INSERT and SELECT on the table (opc_community.core.db_roles).
    """

    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True)
    entry_hash = models.CharField(_("hash"), max_length=64)
    recorded_at = models.DateTimeField(_("recorded at"))
    publication = models.ForeignKey(
        "notices.Publication", verbose_name=_("publication"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["sequence"]
        verbose_name = _("ledger checkpoint")
        verbose_name_plural = _("ledger checkpoints")
        triggers = [pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.entry_hash[:16]}…"
