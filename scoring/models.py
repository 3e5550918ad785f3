"""Quarterly assessment (第六章): quarters, inputs with evidence, score cards, appeals.

A quarter is scored with the rulebook version in force on its last day (RULEBOOK §7.2);
that version's number is stored on the quarter when it is run and never changes after
confirmation, whatever later revisions say.

Kept records (RULEBOOK §4.7: scores are part of the archive): inputs, appeals and recorded changes
are never deleted, and a score card only while its quarter is a draft (a re-run replaces the draft);
the database refuses the rest, whoever asks.
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from opc_community.core.audit import audited
from opc_community.core.models import AppealRecord


class QuarterStatus(models.TextChoices):
    OPEN = "open", _("collecting inputs")
    DRAFTED = "drafted", _("draft scores computed")
    CONFIRMED = "confirmed", _("confirmed by the administrator")
    PUBLISHED = "published", _("published, appeal window open")
    FINAL = "final", _("final, effects applied")


QUARTER_TRANSITIONS: dict[str, frozenset[str]] = {
    QuarterStatus.OPEN: frozenset({QuarterStatus.DRAFTED}),
    QuarterStatus.DRAFTED: frozenset({QuarterStatus.DRAFTED, QuarterStatus.CONFIRMED}),  # re-run replaces the draft
    QuarterStatus.CONFIRMED: frozenset({QuarterStatus.PUBLISHED, QuarterStatus.DRAFTED}),
    # An objection upheld against the published results sends the quarter back to draft (RULEBOOK §10).
    QuarterStatus.PUBLISHED: frozenset({QuarterStatus.FINAL, QuarterStatus.DRAFTED}),
    QuarterStatus.FINAL: frozenset(),
}


@audited
class Quarter(models.Model):
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveSmallIntegerField(_("quarter"))
    inputs_due_on = models.DateField(_("inputs due on"))
    status = models.CharField(_("status"), max_length=10, choices=QuarterStatus.choices, default=QuarterStatus.OPEN)
    rulebook_version = models.PositiveIntegerField(_("rulebook version used"), null=True, blank=True)
    run_started_at = models.DateTimeField(_("run started at"), null=True, blank=True)
    run_finished_at = models.DateTimeField(_("run finished at"), null=True, blank=True)
    run_progress = models.PositiveIntegerField(_("residents scored"), default=0)
    run_total = models.PositiveIntegerField(_("residents to score"), default=0)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    finalised_at = models.DateTimeField(_("final at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-year", "-number"]
        verbose_name = _("quarter")
        verbose_name_plural = _("quarters")
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="quarter_unique"),
            models.CheckConstraint(condition=Q(number__gte=1, number__lte=4), name="quarter_number_1_to_4"),
        ]

    def __str__(self) -> str:
        return f"{self.year} Q{self.number}"


# --- The quarterly plan (RULEBOOK §7.1, decision added 2026-12) ----------------------------------------


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted, awaiting staff")
    ACCEPTED = "accepted", _("accepted and locked")
    RETURNED = "returned", _("returned for changes")


PLAN_TRANSITIONS: dict[str, frozenset[str]] = {
    PlanStatus.DRAFT: frozenset({PlanStatus.SUBMITTED}),
    PlanStatus.SUBMITTED: frozenset({PlanStatus.ACCEPTED, PlanStatus.RETURNED}),
    PlanStatus.RETURNED: frozenset({PlanStatus.SUBMITTED}),
    # Locked: its numbers change only through a change request staff approve (PlanChange).
    PlanStatus.ACCEPTED: frozenset(),
}


@audited
class QuarterPlan(models.Model):
    """季度计划: the milestones planned and the revenue target a resident commits to for the quarter,
    filed in its first working days and accepted (locked) or returned by staff. Completion and revenue
    are measured against the accepted plan only (``scoring.rules``)."""

    quarter = models.ForeignKey(Quarter, verbose_name=_("quarter"), on_delete=models.PROTECT, related_name="plans")
    resident = models.ForeignKey(
        "residents.Resident", verbose_name=_("resident"), on_delete=models.PROTECT, related_name="quarter_plans"
    )
    milestones_planned = models.PositiveSmallIntegerField(_("milestones planned"))
    revenue_target = models.DecimalField(_("quarterly revenue target"), max_digits=14, decimal_places=2)
    note = models.TextField(_("what the milestones are"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    # Set when staff return the plan: the resident may file again until then (scoring.rules.plan_refile_due).
    refile_due_on = models.DateField(_("may be filed again until"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decision_due_on = models.DateField(_("decision due on"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for the return"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["quarter", "resident"]
        verbose_name = _("quarterly plan")
        verbose_name_plural = _("quarterly plans")
        constraints = [
            models.UniqueConstraint(fields=["quarter", "resident"], name="plan_once_per_quarter"),
            models.CheckConstraint(condition=Q(revenue_target__gte=0), name="plan_target_not_negative"),
        ]
        indexes = [models.Index(fields=["status", "decision_due_on"])]

    def __str__(self) -> str:
        return f"{self.resident} {self.quarter}"


class PlanChangeStatus(models.TextChoices):
    PENDING = "pending", _("awaiting staff")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("refused")


@audited
class PlanChange(models.Model):
    """A change of an accepted plan: asked by the resident with a reason, approved or refused by staff
    with a reason (RULEBOOK §7.1); an approval rewrites the plan's numbers, the row keeps the old ones."""

    plan = models.ForeignKey(QuarterPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="changes")
    milestones_planned = models.PositiveSmallIntegerField(_("milestones planned"))
    revenue_target = models.DecimalField(_("quarterly revenue target"), max_digits=14, decimal_places=2)
    previous_milestones_planned = models.PositiveSmallIntegerField(_("milestones planned before"))
    previous_revenue_target = models.DecimalField(_("revenue target before"), max_digits=14, decimal_places=2)
    reason = models.TextField(_("reason for the change"))
    status = models.CharField(
        _("status"), max_length=10, choices=PlanChangeStatus.choices, default=PlanChangeStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    answer_due_on = models.DateField(_("answer due on"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    answer = models.TextField(_("staff's reason"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("plan change")
        verbose_name_plural = _("plan changes")
        constraints = [
            models.UniqueConstraint(fields=["plan"], condition=Q(status="pending"), name="plan_change_one_pending"),
            models.CheckConstraint(condition=Q(revenue_target__gte=0), name="plan_change_target_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} ({self.get_status_display()})"


# --- Results and claims --------------------------------------------------------------------------------


class InputStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    VERIFIED = "verified", _("verified by staff")
    CORRECTED = "corrected", _("corrected by staff")


#: A quarter's inputs: saved and submitted by the resident (again while open), verified or corrected by staff.
INPUT_TRANSITIONS: dict[str, frozenset[str]] = {
    InputStatus.DRAFT: frozenset({InputStatus.SUBMITTED, InputStatus.CORRECTED}),
    InputStatus.SUBMITTED: frozenset({InputStatus.SUBMITTED, InputStatus.VERIFIED, InputStatus.CORRECTED}),
    InputStatus.VERIFIED: frozenset({InputStatus.CORRECTED}),
    InputStatus.CORRECTED: frozenset({InputStatus.VERIFIED, InputStatus.CORRECTED}),
}


class ClaimState(models.TextChoices):
    """What a results claim counted as in a score card (the values of ``scoring.rules.CLAIM_*``)."""

    VERIFIED = "verified", _("verified")
    REJECTED = "rejected", _("rejected by staff")
    MISSING = "missing", _("not filed or not verified")


@audited
class QuarterInput(models.Model):
    """季度考核数据 of one resident: the results filed at quarter end against the plan (milestones completed,
    revenue), and the awards and contributions below. Staff verify it, or correct it with a reason —
    rejecting a claim makes it score as absent (RULEBOOK §7.1)."""

    quarter = models.ForeignKey(Quarter, verbose_name=_("quarter"), on_delete=models.PROTECT, related_name="inputs")
    resident = models.ForeignKey(
        "residents.Resident", verbose_name=_("resident"), on_delete=models.PROTECT, related_name="quarter_inputs"
    )
    milestones_done = models.PositiveSmallIntegerField(_("milestones completed"), default=0)
    revenue = models.DecimalField(_("revenue"), max_digits=14, decimal_places=2, default=0)
    completion_rejected = models.BooleanField(_("milestones claim rejected"), default=False)
    revenue_rejected = models.BooleanField(_("revenue claim rejected"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=InputStatus.choices, default=InputStatus.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("verified by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    correction_reason = models.TextField(_("reason for the correction"), blank=True)

    class Meta:
        ordering = ["quarter", "resident"]
        verbose_name = _("quarterly input")
        verbose_name_plural = _("quarterly inputs")
        # Corrected by staff, never deleted: a withdrawn input stays a draft (第六章第三条 数据透明).
        triggers = [pgtrigger.Protect(name="keep_inputs", operation=pgtrigger.Delete)]
        constraints = [
            models.UniqueConstraint(fields=["quarter", "resident"], name="input_once_per_quarter"),
            models.CheckConstraint(condition=Q(revenue__gte=0), name="input_revenue_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.resident} {self.quarter}"


class AwardLevel(models.TextChoices):
    """第六章第一条 维度四 (keys of the rulebook's scoring.awards.levels)."""

    NATIONAL = "national", _("national")
    PROVINCIAL = "provincial", _("provincial")
    INDUSTRY_PROVINCIAL = "industry_provincial", _("provincial-level industry")
    MUNICIPAL = "municipal", _("municipal")
    INDUSTRY_MUNICIPAL = "industry_municipal", _("municipal-level industry")


@audited
class AwardClaim(models.Model):
    input = models.ForeignKey(QuarterInput, verbose_name=_("input"), on_delete=models.CASCADE, related_name="awards")
    level = models.CharField(_("level"), max_length=20, choices=AwardLevel.choices)
    title = models.CharField(_("award"), max_length=200)
    certificate = models.FileField(_("certificate"), upload_to="scoring/awards/", blank=True, max_length=200)
    verified = models.BooleanField(_("verified"), default=False)

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")

    def __str__(self) -> str:
        return self.title


class ContributionKind(models.TextChoices):
    """第六章第一条 维度五: 技术成果分享、开源贡献、牵头合作项目."""

    TECH_SHARING = "tech_sharing", _("sharing technical results")
    OPEN_SOURCE = "open_source", _("open-source contribution")
    COOPERATION = "cooperation", _("leading a cooperation project")


@audited
class Contribution(models.Model):
    input = models.ForeignKey(
        QuarterInput, verbose_name=_("input"), on_delete=models.CASCADE, related_name="contributions"
    )
    kind = models.CharField(_("kind"), max_length=14, choices=ContributionKind.choices)
    description = models.CharField(_("description"), max_length=200)
    proof = models.FileField(_("proof"), upload_to="scoring/contributions/", blank=True, max_length=200)
    proof_link = models.URLField(_("proof link"), blank=True)
    verified = models.BooleanField(_("verified"), default=False)

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")

    def __str__(self) -> str:
        return self.description


class EvidenceKind(models.TextChoices):
    PROGRESS_REPORT = "progress_report", _("project progress report")
    FINANCIAL_STATEMENT = "financial_statement", _("financial statement")
    OTHER = "other", _("other")


@audited
class InputEvidence(models.Model):
    input = models.ForeignKey(QuarterInput, verbose_name=_("input"), on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=20, choices=EvidenceKind.choices)
    file = models.FileField(_("file"), upload_to="scoring/evidence/", max_length=200)
    original_name = models.CharField(_("original file name"), max_length=200)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.original_name


class Outcome(models.TextChoices):
    OK = "ok", _("no action")
    WARNING = "warning", _("warning list")
    ELIMINATED = "eliminated", _("eliminated")


#: A quarter whose cards are still a draft: a re-run may remove the card of a resident no longer scored.
DRAFT_QUARTER_STATUSES = (QuarterStatus.OPEN, QuarterStatus.DRAFTED)

_KEEP_SCORED_CARDS_SQL = """
IF EXISTS (SELECT 1 FROM {quarter_table} q WHERE q.id = OLD.quarter_id AND q.status NOT IN ({drafts})) THEN
    RAISE EXCEPTION 'score card % belongs to a confirmed quarter and is kept (第六章第二条): deletion refused',
        OLD.id USING ERRCODE = 'P0001';
END IF;
RETURN OLD;
"""


@audited(level=pgtrigger.Statement)
class ScoreCard(models.Model):
    """A resident's score for a quarter, with every input used, the band of each dimension and the verdict.

    Audited by statement (one trigger call per statement, not per card): the quarter run writes the
    whole cohort's cards in one statement.
    """

    # No single-column indexes: card_once_per_quarter (quarter, resident) and the (resident, quarter)
    # index below serve both lookups, and every index slows the quarter run's 10,000-card write.
    quarter = models.ForeignKey(
        Quarter, verbose_name=_("quarter"), on_delete=models.PROTECT, related_name="cards", db_index=False
    )
    resident = models.ForeignKey(
        "residents.Resident", verbose_name=_("resident"), on_delete=models.PROTECT, related_name="score_cards",
        db_index=False,
    )
    attended = models.PositiveSmallIntegerField(_("activities attended"))
    expected = models.PositiveSmallIntegerField(_("activities expected"))
    milestones_done = models.PositiveSmallIntegerField(_("milestones completed"))
    milestones_planned = models.PositiveSmallIntegerField(_("milestones planned"))
    revenue = models.DecimalField(_("revenue"), max_digits=14, decimal_places=2)
    revenue_target = models.DecimalField(_("quarterly revenue target"), max_digits=14, decimal_places=2)
    award_level = models.CharField(_("highest award"), max_length=20, choices=AwardLevel.choices, blank=True)
    contributions = models.PositiveSmallIntegerField(_("contributions"))
    plan_accepted = models.BooleanField(_("plan accepted"), default=True)
    completion_claim = models.CharField(_("milestones claim"), max_length=10, choices=ClaimState.choices,
                                        default=ClaimState.VERIFIED)
    revenue_claim = models.CharField(_("revenue claim"), max_length=10, choices=ClaimState.choices,
                                     default=ClaimState.VERIFIED)
    participation_points = models.PositiveSmallIntegerField(_("participation"))
    completion_points = models.PositiveSmallIntegerField(_("project completion"))
    revenue_points = models.PositiveSmallIntegerField(_("revenue"))
    award_points = models.PositiveSmallIntegerField(_("awards"))
    contribution_points = models.PositiveSmallIntegerField(_("contributions"))
    total = models.PositiveSmallIntegerField(_("total score"))
    rank = models.PositiveIntegerField(_("rank (ascending)"))
    streak_below_threshold = models.PositiveSmallIntegerField(_("consecutive quarters below the warning line"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["quarter", "total", "resident"]
        verbose_name = _("score card")
        verbose_name_plural = _("score cards")
        constraints = [
            models.UniqueConstraint(fields=["quarter", "resident"], name="card_once_per_quarter"),
            models.CheckConstraint(condition=Q(total__lte=100), name="card_total_at_most_100"),
        ]
        indexes = [models.Index(fields=["resident", "quarter"])]
        triggers = [
            pgtrigger.Trigger(
                name="keep_scored_cards",
                operation=pgtrigger.Delete,
                when=pgtrigger.Before,
                func=_KEEP_SCORED_CARDS_SQL.format(
                    quarter_table=Quarter._meta.db_table, drafts=", ".join(f"'{status}'" for status in DRAFT_QUARTER_STATUSES)
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident} {self.quarter}: {self.total}"


class ScoreChange(models.Model):
    """A recorded change of a published quarter (an upheld appeal, a recomputation), field by field."""

    quarter = models.ForeignKey(Quarter, verbose_name=_("quarter"), on_delete=models.PROTECT, related_name="changes")
    resident = models.ForeignKey(
        "residents.Resident", verbose_name=_("resident"), on_delete=models.PROTECT, related_name="+"
    )
    field = models.CharField(_("item"), max_length=40)
    before = models.CharField(_("before"), max_length=60)
    after = models.CharField(_("after"), max_length=60)
    reason = models.CharField(_("reason"), max_length=200)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("score change")
        verbose_name_plural = _("score changes")
        triggers = [pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.resident} {self.field}: {self.before} → {self.after}"


class ScoreAppealStatus(models.TextChoices):
    PENDING = "pending", _("awaiting review")
    UPHELD = "upheld", _("upheld")
    DISMISSED = "dismissed", _("dismissed")


@audited
class ScoreAppeal(AppealRecord):
    """申诉 within the publication window (第六章第三条 申诉通道)."""

    card = models.ForeignKey(ScoreCard, verbose_name=_("score card"), on_delete=models.PROTECT, related_name="appeals")
    resident = models.ForeignKey(
        "residents.Resident", verbose_name=_("resident"), on_delete=models.PROTECT, related_name="score_appeals"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ScoreAppealStatus.choices, default=ScoreAppealStatus.PENDING
    )

    class Meta(AppealRecord.Meta):
        verbose_name = _("score appeal")
        verbose_name_plural = _("score appeals")
        constraints = [
            models.UniqueConstraint(fields=["card"], condition=Q(status="pending"), name="score_appeal_one_pending")
        ]
        triggers = [pgtrigger.Protect(name="keep_appeals", operation=pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.card} ({self.get_status_display()})"
