"""Intake (第三章第一条、第二条): applications, their materials and events, and re-application bans."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from opc_community.core.audit import audited
from residents.models.archive import protect_archive


class EntityType(models.TextChoices):
    """第三章第一条 主体要求."""

    OPC_COMPANY = "opc_company", _("registered one-person company")
    SOLE_TRADER = "sole_trader", _("sole trader")
    INDIVIDUAL = "individual", _("unregistered individual with an AI-based venture")
    INSTITUTION = "institution", _("service institution (technology, legal, investment)")

    @classmethod
    def registered(cls) -> frozenset[str]:
        """Entities that must hold a business licence and a unified social credit code."""
        return frozenset({cls.OPC_COMPANY, cls.SOLE_TRADER, cls.INSTITUTION})


class Direction(models.TextChoices):
    """第三章第一条 方向要求."""

    AI_NATIVE = "ai_native", _("AI-native innovation")
    DIGITAL_ECONOMY = "digital_economy", _("digital economy")
    CROSS_BORDER = "cross_border", _("cross-border services")
    OTHER = "other", _("other (needs staff justification)")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("awaiting initial review")
    EVALUATION = "evaluation", _("project evaluation")
    EVALUATED = "evaluated", _("evaluated, result due")
    RETURNED = "returned", _("returned for more material")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn by the applicant")


#: Statuses of a live application: one per applicant, and one per ID number or credit code.
LIVE_STATUSES = (
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.EVALUATION,
    ApplicationStatus.EVALUATED,
    ApplicationStatus.RETURNED,
)

#: The stored spellings (``residents.rules.identity.normalise_identity``): empty, or ASCII only.
ID_NUMBER_SHAPE = r"^([0-9]{17}[0-9X])?$"
USCC_SHAPE = r"^([0-9A-HJ-NPQRTUWXY]{18})?$"  # GB 32100's 31 characters (no I, O, Z, S, V)

#: The constraint (raised by the trigger below) that one ID number or credit code holds one application.
IDENTITY_IN_USE = "application_identity_in_use"

_LIVE_SQL = ", ".join(f"'{status}'" for status in LIVE_STATUSES)


def _identity_claim_sql(column: str) -> str:
    """Refuse a row that becomes live holding ``column`` while another application holds it.

    Another application holds a number while it is live, and after its approval while its
    resident has not exited (former residents may apply again, rejected and withdrawn
    applications hold nothing). A transaction-scoped advisory lock per number serialises
    concurrent claims, so the check sees whatever a concurrent claimer committed.
    """
    return f"""
    IF NEW.status IN ({_LIVE_SQL}) AND NEW.{column} <> '' AND (
        TG_OP = 'INSERT' OR OLD.status NOT IN ({_LIVE_SQL}) OR OLD.{column} IS DISTINCT FROM NEW.{column}
    ) THEN
        PERFORM pg_advisory_xact_lock(hashtext('residents.application.{column}'), hashtext(NEW.{column}));
        IF EXISTS (
            SELECT 1 FROM residents_application a
              LEFT JOIN residents_resident r ON r.application_id = a.id
             WHERE a.{column} = NEW.{column} AND a.id <> NEW.id
               AND (a.status IN ({_LIVE_SQL}) OR r.status <> 'exited')
        ) THEN
            RAISE EXCEPTION 'another open application or a resident holds this {column}'
                USING ERRCODE = 'unique_violation', CONSTRAINT = '{IDENTITY_IN_USE}', COLUMN = '{column}';
        END IF;
    END IF;"""


#: The review state machine (第三章第二条). Resubmitting a returned application restarts the clock.
APPLICATION_TRANSITIONS: dict[str, frozenset[str]] = {
    ApplicationStatus.DRAFT: frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.WITHDRAWN}),
    ApplicationStatus.SUBMITTED: frozenset(
        {ApplicationStatus.EVALUATION, ApplicationStatus.RETURNED, ApplicationStatus.REJECTED,
         ApplicationStatus.WITHDRAWN}
    ),
    ApplicationStatus.EVALUATION: frozenset(
        {ApplicationStatus.EVALUATED, ApplicationStatus.RETURNED, ApplicationStatus.REJECTED}
    ),
    ApplicationStatus.EVALUATED: frozenset({ApplicationStatus.APPROVED, ApplicationStatus.REJECTED}),
    ApplicationStatus.RETURNED: frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.WITHDRAWN}),
    ApplicationStatus.APPROVED: frozenset(),
    ApplicationStatus.REJECTED: frozenset(),
    ApplicationStatus.WITHDRAWN: frozenset(),
}


@audited(exclude=("id_number",))
class Application(models.Model):
    """《OPC社区入驻申请表》: one applicant's request to join, through review to a decision.

    The identity number is stored once, here and on the resident, and shown masked;
    it stays out of the audit trail's copies.
    """

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="applications"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    # A draft may leave these empty (blank); submitting requires them (services.intake).
    entity_type = models.CharField(_("entity type"), max_length=20, choices=EntityType.choices, blank=True)
    direction = models.CharField(_("direction"), max_length=20, choices=Direction.choices, blank=True)
    direction_note = models.CharField(_("direction details"), max_length=300, blank=True)
    person_name = models.CharField(_("name (as on the ID card)"), max_length=60)
    id_number = models.CharField(_("ID card number"), max_length=18)
    company_name = models.CharField(_("registered name"), max_length=120, blank=True)
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20)
    email = models.EmailField(_("email"), blank=True)
    project_summary = models.TextField(_("project summary"))
    declares_no_dishonesty = models.BooleanField(_("declares no record of serious dishonesty"), default=False)
    consent_id_processing_at = models.DateTimeField(_("consented to ID number processing at"), null=True, blank=True)
    # PIPL Art. 25: being named on the notice board is a separate, optional consent. The answer is
    # recorded either way (None = not answered yet); without consent the board shows the masked name.
    consent_public_naming = models.BooleanField(
        _("agrees to be named on the notice board"), null=True, blank=True
    )
    consent_public_naming_at = models.DateTimeField(
        _("answered about being named on the notice board at"), null=True, blank=True
    )
    # An application received on paper and entered by staff for the applicant: who entered it, and the
    # applicant's consent as given on paper (who, when, how; PIPL Art. 14, 29).
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by staff"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    paper_consent_by = models.CharField(_("consent given by"), max_length=60, blank=True)
    paper_consent_on = models.DateField(_("consent given on"), null=True, blank=True)
    paper_consent_how = models.CharField(_("how the consent was given"), max_length=200, blank=True)
    eligibility_override = models.TextField(
        _("eligibility override (staff, with reason)"), blank=True,
        help_text=_("Staff may admit an application the automatic checks flag, with a written reason."),
    )
    round = models.PositiveSmallIntegerField(_("submission round"), default=0)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    review_due_at = models.DateTimeField(_("initial review due"), null=True, blank=True)
    review_due_provisional = models.BooleanField(default=False)
    evaluation_feasibility = models.TextField(_("evaluation: feasibility"), blank=True)
    evaluation_fit = models.TextField(_("evaluation: fit with the community"), blank=True)
    evaluated_at = models.DateTimeField(_("evaluated at"), null=True, blank=True)
    result_due_at = models.DateTimeField(_("result due"), null=True, blank=True)
    result_due_provisional = models.BooleanField(default=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reasons"), blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [
            models.Index(fields=["status", "review_due_at"]),
            models.Index(fields=["id_number"]),
            models.Index(fields=["uscc"]),
        ]
        constraints = [
            # One live application per person at a time.
            models.UniqueConstraint(
                fields=["applicant"],
                condition=Q(status__in=LIVE_STATUSES),
                name="application_one_open_per_applicant",
            ),
            models.CheckConstraint(condition=Q(id_number__regex=ID_NUMBER_SHAPE), name="application_id_number_ascii"),
            models.CheckConstraint(condition=Q(uscc__regex=USCC_SHAPE), name="application_uscc_ascii"),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(decision_reason=""),
                name="application_rejection_has_reasons",
            ),
            # PIPL Art. 29: no application reaches review without the separate consent to process the ID number.
            models.CheckConstraint(
                condition=Q(status__in=["draft", "withdrawn"]) | Q(consent_id_processing_at__isnull=False),
                name="application_reviewed_has_id_consent",
            ),
            # An application entered by staff records the applicant's consent: who, when and how.
            models.CheckConstraint(
                condition=Q(entered_by__isnull=True)
                | (~Q(paper_consent_by="") & Q(paper_consent_on__isnull=False) & ~Q(paper_consent_how="")),
                name="application_on_paper_has_consent",
            ),
        ]
        triggers = [
            protect_archive(resident_column="application_id", old_column="id"),
            # One ID number (and one credit code) holds at most one live application or resident,
            # whoever's account: a partial unique index cannot see the resident, this trigger can.
            pgtrigger.Trigger(
                name="identity_in_use",
                operation=pgtrigger.Insert | pgtrigger.UpdateOf("status", "id_number", "uscc"),
                when=pgtrigger.Before,
                func="BEGIN" + _identity_claim_sql("id_number") + _identity_claim_sql("uscc") + "\n    RETURN NEW;\nEND;",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.get_status_display()})"

    @property
    def display_name(self) -> str:
        return self.company_name or self.person_name


class DocumentKind(models.TextChoices):
    ID_CARD = "id_card", _("ID card")
    BUSINESS_LICENCE = "business_licence", _("business licence")
    PROJECT_PLAN = "project_plan", _("project plan")
    QUALIFICATION = "qualification", _("qualification certificate")


def document_path(instance: "ApplicationDocument", filename: str) -> str:
    # Private storage, random name: the original name is kept in a field, never in the path.
    return f"applications/{instance.application_id}/{instance.kind}-{instance.sha256[:16]}"


@audited
class ApplicationDocument(models.Model):
    """An uploaded material: stored privately, served only to its applicant and the intake team."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to=document_path, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["application", "kind", "uploaded_at"]
        verbose_name = _("application material")
        verbose_name_plural = _("application materials")
        triggers = [protect_archive(resident_column="application_id", old_column="application_id")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"


class ApplicationTransition(models.Model):
    """Append-only log of an application's transitions (who, from, to, why, when)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="transitions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(max_length=12, choices=ApplicationStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=ApplicationStatus.choices)
    reason = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application", "at", "id"]
        verbose_name = _("application transition")
        verbose_name_plural = _("application transitions")
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update),
            protect_archive(resident_column="application_id", old_column="application_id"),
        ]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class BanSource(models.TextChoices):
    """第三章第四条; RULEBOOK §4.6."""

    FORCED_EXIT = "forced_exit", _("forced exit")
    SUBLETTING = "subletting", _("subletting (forced exit)")
    SUBSIDY_FRAUD = "subsidy_fraud", _("subsidy fraud")
    # A person who occupied the community without being a resident (第八章第二条 1a 擅自入驻), banned by
    # the discipline app on the ID number alone (decision in docs/discipline.md).
    UNAUTHORISED_OCCUPANCY = "occupancy", _("unauthorised occupancy")


@audited(exclude=("id_number",))
class Ban(models.Model):
    """A re-application ban, matched on the ID number and on the unified social credit code."""

    resident = models.ForeignKey(
        "residents.Resident", null=True, blank=True, on_delete=models.PROTECT, related_name="bans"
    )
    id_number = models.CharField(_("ID card number"), max_length=18, blank=True)
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    source = models.CharField(_("reason"), max_length=20, choices=BanSource.choices)
    note = models.TextField(_("note"), blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until (inclusive)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-ends_on"]
        verbose_name = _("re-application ban")
        verbose_name_plural = _("re-application bans")
        indexes = [models.Index(fields=["id_number"]), models.Index(fields=["uscc"])]
        constraints = [
            models.CheckConstraint(condition=~Q(id_number="") | ~Q(uscc=""), name="ban_matches_something"),
            models.CheckConstraint(condition=Q(id_number__regex=ID_NUMBER_SHAPE), name="ban_id_number_ascii"),
            models.CheckConstraint(condition=Q(uscc__regex=USCC_SHAPE), name="ban_uscc_ascii"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="ban_period_order"),
        ]
        triggers = [protect_archive()]

    def __str__(self) -> str:
        return f"{self.get_source_display()} → {self.ends_on}"
