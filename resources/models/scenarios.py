"""Scenario list and matchmaking (场景清单、资源对接, 第五章第二条第1、2项; RULEBOOK §6).

A **partner** (合作方: a government body, an investor, a bank, an enterprise, a university, an
open-source community) is kept in the register by the resources team; its contact person is read by
staff only (never on the board, never in the API). Staff publish **scenarios** — a real business need
of local industry (场景), or an opportunity: financing with investors and banks (融资对接), an order
(订单对接), a supply-chain link (供应链对接) — each linked to a partner, with a deadline; a published
one is a resource notice on the board. Residents express **interest** with a short proposal (one per
resident per scenario, editable until the deadline); staff record the **steps** of each interest:
introductions, meetings and the outcome (signed, funded with an amount, an order with its value, no
deal).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opc_community.core.audit import audited


class PartnerKind(models.TextChoices):
    GOVERNMENT = "government", _("government body")
    INVESTOR = "investor", _("investor")
    BANK = "bank", _("bank")
    ENTERPRISE = "enterprise", _("enterprise")
    UNIVERSITY = "university", _("university or research institute")
    OPEN_SOURCE = "open_source", _("open-source community")


@audited
class Partner(models.Model):
    """A partner of the community (合作方, 第五章第二条第2项). ``contact_*`` are for staff only."""

    name = models.CharField(pgettext_lazy("partner", "name"), max_length=120, unique=True)
    kind = models.CharField(pgettext_lazy("partner", "kind"), max_length=12, choices=PartnerKind.choices)
    description = models.TextField(_("description"), blank=True)
    contact_person = models.CharField(_("contact person"), max_length=60, blank=True,
                                      help_text=_("Seen by staff only; never published."))
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True,
                                     help_text=_("Seen by staff only; never published."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self) -> str:
        return self.name


class ScenarioKind(models.TextChoices):
    SCENARIO = "scenario", _("business scenario")
    FINANCING = "financing", _("financing")
    ORDER = "order", _("order")
    SUPPLY_CHAIN = "supply_chain", _("supply chain")


@audited
class Scenario(models.Model):
    """A scenario or an opportunity published by staff, with a deadline for expressions of interest."""

    kind = models.CharField(pgettext_lazy("scenario", "kind"), max_length=12, choices=ScenarioKind.choices)
    partner = models.ForeignKey(Partner, verbose_name=_("partner"), on_delete=models.PROTECT,
                                related_name="scenarios")
    title = models.CharField(_("title"), max_length=120)
    industry = models.CharField(_("industry"), max_length=60, blank=True)
    description = models.TextField(_("description"), help_text=_("The need or the opportunity; published on the "
                                                                  "notice board: no personal data."))
    deadline = models.DateField(_("deadline"), help_text=_("Residents express interest and edit their proposal "
                                                           "until this day (inclusive)."))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-deadline", "title"]
        verbose_name = _("scenario or opportunity")
        verbose_name_plural = _("scenarios and opportunities")

    def __str__(self) -> str:
        return self.title


class InterestStatus(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("scenario interest", "submitted")
    IN_PROGRESS = "in_progress", pgettext_lazy("scenario interest", "being matched")
    CONCLUDED = "concluded", pgettext_lazy("scenario interest", "concluded")
    WITHDRAWN = "withdrawn", pgettext_lazy("scenario interest", "withdrawn")
    CLOSED = "closed", pgettext_lazy("scenario interest", "closed at exit")


#: An introduction or a meeting moves a submitted interest on; the outcome concludes it; the resident
#: withdraws before an outcome (and may come back before the deadline: the same row, submitted again);
#: an exit closes what is still open (第三章第四条).
INTEREST_TRANSITIONS: dict[str, frozenset[str]] = {
    InterestStatus.SUBMITTED: frozenset({InterestStatus.IN_PROGRESS, InterestStatus.CONCLUDED,
                                         InterestStatus.WITHDRAWN, InterestStatus.CLOSED}),
    InterestStatus.IN_PROGRESS: frozenset({InterestStatus.CONCLUDED, InterestStatus.WITHDRAWN,
                                           InterestStatus.CLOSED}),
    InterestStatus.CONCLUDED: frozenset(),
    InterestStatus.WITHDRAWN: frozenset({InterestStatus.SUBMITTED}),
    InterestStatus.CLOSED: frozenset(),
}

OPEN_INTEREST = (InterestStatus.SUBMITTED, InterestStatus.IN_PROGRESS)


@audited
class ScenarioInterest(models.Model):
    """A resident's expression of interest with a short proposal: one per resident per scenario."""

    scenario = models.ForeignKey(Scenario, verbose_name=_("scenario"), on_delete=models.PROTECT,
                                 related_name="interests")
    resident = models.ForeignKey("residents.Resident", verbose_name=_("resident"), on_delete=models.PROTECT,
                                 related_name="scenario_interests")
    proposal = models.TextField(_("proposal"))
    status = models.CharField(_("status"), max_length=12, choices=InterestStatus.choices,
                              default=InterestStatus.SUBMITTED)
    submitted_at = models.DateTimeField(_("submitted at"))
    updated_at = models.DateTimeField(_("updated at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("expression of interest")
        verbose_name_plural = _("expressions of interest")
        constraints = [
            models.UniqueConstraint(fields=["scenario", "resident"], name="scenario_interest_once"),
        ]

    def __str__(self) -> str:
        return f"{self.resident} → {self.scenario}"


class StepKind(models.TextChoices):
    INTRODUCTION = "introduction", _("introduction")
    MEETING = "meeting", _("meeting")
    OUTCOME = "outcome", _("outcome")


class Outcome(models.TextChoices):
    SIGNED = "signed", _("agreement signed")
    FUNDED = "funded", _("funded")
    ORDER = "order", _("order won")
    NO_DEAL = "no_deal", _("no deal")


@audited
class MatchStep(models.Model):
    """One step staff record on an interest: an introduction, a meeting, or the outcome (once)."""

    interest = models.ForeignKey(ScenarioInterest, verbose_name=_("expression of interest"),
                                 on_delete=models.PROTECT, related_name="steps")
    kind = models.CharField(pgettext_lazy("match step", "kind"), max_length=12, choices=StepKind.choices)
    happened_on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True,
                                 help_text=_("Funded amount, order value or contract value."))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["happened_on", "recorded_at", "id"]
        verbose_name = _("matchmaking step")
        verbose_name_plural = _("matchmaking steps")
        constraints = [
            models.UniqueConstraint(fields=["interest"], condition=Q(kind="outcome"), name="match_step_one_outcome"),
            models.CheckConstraint(condition=(Q(kind="outcome") & ~Q(outcome="")) | (~Q(kind="outcome") & Q(outcome="")),
                                   name="match_step_outcome_iff_kind"),
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gt=0),
                                   name="match_step_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.interest} {self.kind} {self.happened_on}"
