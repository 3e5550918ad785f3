"""Equipment and public resources (公共资源, 第四章第二条; RULEBOOK §6): the inventory and its loans.

The database guards the invariant that matters under concurrency: an item is never lent twice at
once — at most one *open* loan (requested or out) per item, a partial unique index
(``equipment_one_open_loan``). How long a loan may last and how many a resident may hold at once
are rulebook data (``equipment``), judged in ``spaces.rules.equipment``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from opc_community.core.audit import audited


class EquipmentCategory(models.TextChoices):
    """The kinds of public resources lent out; each has its loan limit in the rulebook."""

    PROJECTOR = "projector", _("projector")
    CAMERA = "camera", _("camera")
    GPU = "gpu", _("GPU on loan")
    AUDIO = "audio", _("audio equipment")
    OTHER = "other", _("other equipment")


class EquipmentCondition(models.TextChoices):
    GOOD = "good", _("good")
    WORN = "worn", _("worn but working")
    DAMAGED = "damaged", _("damaged")


class LoanStatus(models.TextChoices):
    REQUESTED = "requested", _("reserved, to collect")
    OUT = "out", _("on loan")
    RETURNED = "returned", _("returned")
    CANCELLED = "cancelled", _("cancelled")


#: A loan holds its item while it is in one of these statuses (the partial unique index).
OPEN_LOAN_STATUSES = ("requested", "out")

LOAN_TRANSITIONS: dict[str, frozenset[str]] = {
    LoanStatus.REQUESTED: frozenset({LoanStatus.OUT, LoanStatus.CANCELLED}),
    LoanStatus.OUT: frozenset({LoanStatus.RETURNED}),
    LoanStatus.RETURNED: frozenset(),
    LoanStatus.CANCELLED: frozenset(),
}


@audited
class Equipment(models.Model):
    """An item of the inventory (投影仪、相机、借用 GPU…) with its asset number, condition, value and place."""

    asset_number = models.CharField(_("asset number"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=80)
    category = models.CharField(_("category"), max_length=20, choices=EquipmentCategory.choices)
    condition = models.CharField(
        _("condition"), max_length=10, choices=EquipmentCondition.choices, default=EquipmentCondition.GOOD
    )
    value = models.DecimalField(_("value (yuan)"), max_digits=12, decimal_places=2)
    location = models.CharField(_("location"), max_length=60)
    description = models.CharField(_("description"), max_length=200, blank=True)
    is_active = models.BooleanField(
        _("lendable"), default=True, help_text=_("Items out of service, under repair or retired are not lent.")
    )

    class Meta:
        ordering = ["category", "asset_number"]
        verbose_name = _("equipment")
        verbose_name_plural = _("equipment")
        constraints = [models.CheckConstraint(condition=Q(value__gte=0), name="equipment_value_not_negative")]

    def __str__(self) -> str:
        return f"{self.name}（{self.asset_number}）"


@audited
class EquipmentLoan(models.Model):
    """A resident borrows an item until ``due_at``: reserved in the portal, handed out and taken back by
    staff, who check the condition; a late return is flagged by the daily job, a damage recorded with its
    value (the discipline app may open a 3c case, whose number is kept here)."""

    equipment = models.ForeignKey(
        Equipment, verbose_name=_("equipment"), on_delete=models.PROTECT, related_name="loans"
    )
    resident = models.ForeignKey(
        "residents.Resident", verbose_name=_("resident"), on_delete=models.PROTECT, related_name="equipment_loans"
    )
    status = models.CharField(_("status"), max_length=10, choices=LoanStatus.choices, default=LoanStatus.REQUESTED)
    purpose = models.CharField(_("purpose"), max_length=200)
    requested_at = models.DateTimeField(_("requested at"))
    due_at = models.DateTimeField(_("due back at"))
    handed_out_at = models.DateTimeField(_("handed out at"), null=True, blank=True)
    handed_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("handed out by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    condition_out = models.CharField(_("condition when handed out"), max_length=10,
                                     choices=EquipmentCondition.choices, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("taken back by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    condition_in = models.CharField(_("condition when returned"), max_length=10,
                                    choices=EquipmentCondition.choices, blank=True)
    return_note = models.CharField(_("note on the return"), max_length=300, blank=True)
    damage_value = models.DecimalField(_("value of the damage (yuan)"), max_digits=12, decimal_places=2,
                                       null=True, blank=True)
    overdue_days = models.PositiveIntegerField(_("days overdue"), default=0)
    overdue_flagged_at = models.DateTimeField(_("flagged overdue at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for the cancellation"), max_length=200, blank=True)
    case_number = models.CharField(_("violation case"), max_length=40, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("equipment loan")
        verbose_name_plural = _("equipment loans")
        indexes = [models.Index(fields=["status", "due_at"], name="equipment_loan_status_due")]
        constraints = [
            # Never lent twice at once: one open loan per item, whatever the race (RULEBOOK §6).
            models.UniqueConstraint(
                fields=["equipment"], condition=Q(status__in=OPEN_LOAN_STATUSES), name="equipment_one_open_loan"
            ),
            models.CheckConstraint(condition=Q(due_at__gt=models.F("requested_at")), name="equipment_loan_due_order"),
            models.CheckConstraint(
                condition=Q(damage_value__isnull=True) | Q(damage_value__gte=0),
                name="equipment_loan_damage_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(status="out") | Q(handed_out_at__isnull=False), name="equipment_loan_out_handed_out"
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | Q(returned_at__isnull=False), name="equipment_loan_returned_at"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.equipment} → {self.resident}"
