"""The resident's life in the community (第三章第二条至第五条): agreement, check-in, orientation,
renewal and exit."""

import pgtrigger
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q, Value
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opc_community.core.audit import audited
from residents.models.archive import protect_archive
from residents.models.intake import Application


class ResidentStatus(models.TextChoices):
    ONBOARDING = "onboarding", _("approved, not yet checked in")
    ACTIVE = "active", _("checked in")
    EXITING = "exiting", _("exiting")
    EXITED = "exited", _("exited")


#: The resident's state machine, the one every service moves a resident with (``core.transitions.move``):
#: check-in opens the portal (第三章第二条); an exit starts, is cancelled or completes (第三章第四条);
#: ONBOARDING → EXITED is a forced exit before check-in.
RESIDENT_TRANSITIONS: dict[str, frozenset[str]] = {
    ResidentStatus.ONBOARDING: frozenset({ResidentStatus.ACTIVE, ResidentStatus.EXITED}),
    ResidentStatus.ACTIVE: frozenset({ResidentStatus.EXITING, ResidentStatus.EXITED}),
    ResidentStatus.EXITING: frozenset({ResidentStatus.ACTIVE, ResidentStatus.EXITED}),
    ResidentStatus.EXITED: frozenset(),
}


@audited
class Resident(models.Model):
    """An admitted 入驻主体: created when its application is approved.

    Identity numbers stay on the application (stored once); the resident's archive is
    kept until ``retain_until`` (three years after exit, 第三章第五条).
    """

    # An account may come back after an exit (re-entry once any ban has ended): one live
    # residency per account at a time, earlier ones kept in the archive.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("portal account"), on_delete=models.PROTECT, related_name="residencies"
    )
    application = models.OneToOneField(
        Application, verbose_name=_("application"), on_delete=models.PROTECT, related_name="resident"
    )
    name = models.CharField(_("name"), max_length=120)
    status = models.CharField(
        _("status"), max_length=12, choices=ResidentStatus.choices, default=ResidentStatus.ONBOARDING
    )
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("check-in handled by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    exited_on = models.DateField(_("exited on"), null=True, blank=True)
    retain_until = models.DateField(_("archive kept until"), null=True, blank=True)
    created_at = models.DateTimeField(_("admitted at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        # The staff list and the admin's resident search are ordered by name (10,000 residents).
        indexes = [models.Index(fields=["name", "id"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="exited", exited_on__isnull=False, retain_until__isnull=False)
                | ~Q(status="exited"),
                name="resident_exit_has_retention",
            ),
            models.UniqueConstraint(
                fields=["user"], condition=~Q(status="exited"), name="resident_one_live_residency_per_account"
            ),
        ]
        triggers = [protect_archive(resident_column="id", old_column="id")]

    def __str__(self) -> str:
        return self.name


class FeePeriod(models.TextChoices):
    MONTHLY = "monthly", _("monthly")
    TERM = "term", _("per term (whole agreement)")


class AgreementStatus(models.TextChoices):
    ISSUED = "issued", _("issued, awaiting acceptance")
    ACCEPTED = "accepted", _("accepted")
    ENDED = "ended", _("ended")
    CANCELLED = "cancelled", _("cancelled before acceptance")


#: The agreement's state machine: accepted by the resident or cancelled before that (第三章第二条);
#: an accepted agreement ends on expiry, exit or renewal (第三章第四条); an issued one is also
#: cancelled when the resident leaves before accepting it.
AGREEMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    AgreementStatus.ISSUED: frozenset({AgreementStatus.ACCEPTED, AgreementStatus.CANCELLED}),
    AgreementStatus.ACCEPTED: frozenset({AgreementStatus.ENDED}),
    AgreementStatus.ENDED: frozenset(),
    AgreementStatus.CANCELLED: frozenset(),
}


@audited
class Agreement(models.Model):
    """《OPC社区入驻协议》: 12 months from the start date (第三章第三条), fees and deposit."""

    resident = models.ForeignKey(Resident, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="agreements")
    number = models.CharField(_("agreement number"), max_length=30, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=AgreementStatus.choices, default=AgreementStatus.ISSUED
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    fee_amount = models.DecimalField(_("fee"), max_digits=12, decimal_places=2)
    fee_period = models.CharField(_("fee period"), max_length=10, choices=FeePeriod.choices)
    deposit_amount = models.DecimalField(_("deposit"), max_digits=12, decimal_places=2)
    rulebook_version = models.PositiveIntegerField(_("rulebook version"))
    renews = models.OneToOneField(
        "self", verbose_name=_("renews"), null=True, blank=True, on_delete=models.PROTECT, related_name="renewal"
    )
    document = models.FileField(_("agreement PDF"), upload_to="agreements/", blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    renewal_reminder_sent_at = models.DateTimeField(_("renewal reminder sent at"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gt=F("starts_on")), name="agreement_period_order"),
            models.CheckConstraint(
                condition=Q(fee_amount__gte=0, deposit_amount__gte=0), name="agreement_amounts_not_negative"
            ),
            # A resident never holds two live agreements for the same day.
            ExclusionConstraint(
                name="agreement_no_overlap",
                expressions=[
                    ("resident", RangeOperators.EQUAL),
                    (
                        Func(F("starts_on"), F("ends_on"), Value("[]"), function="daterange",
                             output_field=DateRangeField()),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                condition=Q(status__in=["issued", "accepted"]),
            ),
        ]
        triggers = [
            protect_archive(),
            pgtrigger.ReadOnly(
                name="terms_frozen",
                fields=["resident", "number", "starts_on", "fee_amount", "fee_period", "deposit_amount"],
            ),
        ]

    def __str__(self) -> str:
        return self.number


@audited
class OrientationAcknowledgement(models.Model):
    """岗前告知: the resident acknowledged the rules and the reward/penalty mechanism of a rulebook version."""

    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="acknowledgements"
    )
    rulebook_version = models.PositiveIntegerField(_("rulebook version"))
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("acknowledged by"), on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), auto_now_add=True)

    class Meta:
        ordering = ["-acknowledged_at"]
        verbose_name = _("orientation acknowledgement")
        verbose_name_plural = _("orientation acknowledgements")
        constraints = [
            models.UniqueConstraint(fields=["resident", "rulebook_version"], name="orientation_once_per_version")
        ]
        triggers = [protect_archive(), pgtrigger.Protect(name="append_only", operation=pgtrigger.Update)]

    def __str__(self) -> str:
        return f"{self.resident} v{self.rulebook_version}"


class RenewalStatus(models.TextChoices):
    REQUESTED = "requested", _("requested")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("refused")
    WITHDRAWN = "withdrawn", _("withdrawn")


RENEWAL_TRANSITIONS: dict[str, frozenset[str]] = {
    RenewalStatus.REQUESTED: frozenset({RenewalStatus.APPROVED, RenewalStatus.REFUSED, RenewalStatus.WITHDRAWN}),
    RenewalStatus.APPROVED: frozenset(),
    RenewalStatus.REFUSED: frozenset(),
    RenewalStatus.WITHDRAWN: frozenset(),
}


@audited
class RenewalRequest(models.Model):
    """A simplified application to renew (第三章第三条): conditions checked, staff decide."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.PROTECT, related_name="renewal_requests"
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="renewal_requests"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RenewalStatus.choices, default=RenewalStatus.REQUESTED
    )
    note = models.TextField(_("resident's note"), blank=True)
    direction_confirmed = models.BooleanField(_("project still fits the direction (staff)"), null=True)
    conditions = models.JSONField(_("conditions when decided"), default=list, blank=True)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    decision_reason = models.TextField(_("reasons"), blank=True)
    new_agreement = models.OneToOneField(
        Agreement, verbose_name=_("new agreement"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="from_renewal",
    )

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("renewal request")
        verbose_name_plural = _("renewal requests")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement"], condition=Q(status="requested"), name="renewal_one_open_per_agreement"
            )
        ]
        triggers = [protect_archive()]

    def __str__(self) -> str:
        return f"{self.agreement} → {self.get_status_display()}"


class ExitKind(models.TextChoices):
    """第三章第四条 退出管理, plus exit by assessment (第六章第二条; RULEBOOK §4.5)."""

    VOLUNTARY = "voluntary", _("voluntary exit")
    EXPIRY = "expiry", _("exit on expiry")
    FORCED = "forced", _("forced exit")
    ASSESSMENT = "assessment", _("exit by assessment")


class ExitStatus(models.TextChoices):
    REQUESTED = "requested", _("requested")
    SCHEDULED = "scheduled", _("scheduled")
    COMPLETED = "completed", _("completed")
    CANCELLED = "cancelled", _("cancelled")


EXIT_TRANSITIONS: dict[str, frozenset[str]] = {
    ExitStatus.REQUESTED: frozenset({ExitStatus.SCHEDULED, ExitStatus.CANCELLED}),
    ExitStatus.SCHEDULED: frozenset({ExitStatus.COMPLETED, ExitStatus.CANCELLED}),
    ExitStatus.COMPLETED: frozenset(),
    ExitStatus.CANCELLED: frozenset(),
}


class DepositOutcome(models.TextChoices):
    REFUND = "refund", _("refunded")
    FORFEIT = "forfeit", _("forfeited")


@audited
class Exit(models.Model):
    """One exit of a resident, from request or trigger to the completed clearance."""

    resident = models.ForeignKey(Resident, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="exits")
    kind = models.CharField(_("kind"), max_length=12, choices=ExitKind.choices)
    status = models.CharField(_("status"), max_length=10, choices=ExitStatus.choices)
    reason = models.TextField(_("reason"), blank=True)
    requested_on = models.DateField(_("requested on"))
    exit_on = models.DateField(_("agreement ends on"))
    grace_ends_on = models.DateField(_("grace period ends on"), null=True, blank=True)
    deposit_outcome = models.CharField(_("deposit"), max_length=8, choices=DepositOutcome.choices)
    ban_years = models.PositiveSmallIntegerField(_("re-application ban (years)"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("completed by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("exit")
        verbose_name_plural = _("exits")
        constraints = [
            models.UniqueConstraint(
                fields=["resident"], condition=Q(status__in=["requested", "scheduled"]),
                name="exit_one_open_per_resident",
            ),
        ]
        triggers = [protect_archive()]

    def __str__(self) -> str:
        return f"{self.resident}: {self.get_kind_display()} ({self.get_status_display()})"


class ClearanceItem(models.TextChoices):
    FEES_SETTLED = "fees_settled", _("fees settled")
    DEPOSIT_SETTLED = "deposit_settled", _("deposit refunded or forfeited")
    ITEMS_CLEARED = "items_cleared", _("belongings cleared out")
    DESK_RELEASED = "desk_released", _("desk released")
    PERMISSIONS_REVOKED = "permissions_revoked", _("portal permissions, bookings and vouchers revoked")


@audited
class ExitClearance(models.Model):
    """Who cleared what, when, in an exit (第三章第四条: 结清费用、清理物品、注销权限、释放工位)."""

    exit = models.ForeignKey(Exit, on_delete=models.PROTECT, related_name="clearances")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="+")
    item = models.CharField(pgettext_lazy("exit clearance", "item"), max_length=24, choices=ClearanceItem.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("cleared by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    cleared_at = models.DateTimeField(_("cleared at"), auto_now_add=True)

    class Meta:
        ordering = ["exit", "cleared_at"]
        verbose_name = _("exit clearance")
        verbose_name_plural = _("exit clearances")
        constraints = [models.UniqueConstraint(fields=["exit", "item"], name="clearance_once_per_item")]
        triggers = [protect_archive()]

    def __str__(self) -> str:
        return self.get_item_display()
