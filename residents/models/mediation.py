"""Mediation between residents (调解, 第四章第三条 2; 第九章第二条 3).

Residents settle a dispute between themselves first; when that fails, one of them asks the
operations team to mediate. The daily management team schedules a session, records who came
and whether an agreement was reached, and closes the mediation. Both parties see it in the
portal; nobody else does, and nothing of it is ever published (RULEBOOK §10 lists no mediation).
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opc_community.core.audit import audited
from residents.models.residency import Resident


class MediationStatus(models.TextChoices):
    REQUESTED = "requested", _("awaiting scheduling")
    SCHEDULED = "scheduled", _("session scheduled")
    AGREED = "agreed", _("agreement reached")
    FAILED = "failed", _("no agreement reached")
    WITHDRAWN = "withdrawn", pgettext_lazy("mediation", "withdrawn")


#: Closed: nothing moves any more (agreement reached, failed, withdrawn by the requester).
MEDIATION_CLOSED = frozenset({MediationStatus.AGREED, MediationStatus.FAILED, MediationStatus.WITHDRAWN})

MEDIATION_TRANSITIONS: dict[str, frozenset[str]] = {
    MediationStatus.REQUESTED: frozenset({MediationStatus.SCHEDULED, MediationStatus.WITHDRAWN}),
    # A scheduled session may be moved (rescheduled: scheduled → scheduled) or held (agreed / failed).
    MediationStatus.SCHEDULED: frozenset({
        MediationStatus.SCHEDULED, MediationStatus.AGREED, MediationStatus.FAILED, MediationStatus.WITHDRAWN,
    }),
    MediationStatus.AGREED: frozenset(),
    MediationStatus.FAILED: frozenset(),
    MediationStatus.WITHDRAWN: frozenset(),
}


@audited
class Mediation(models.Model):
    """A request for mediation of a dispute between two residents, its session and its outcome."""

    requester = models.ForeignKey(
        Resident, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="mediations_requested"
    )
    respondent = models.ForeignKey(
        Resident, verbose_name=_("other party"), on_delete=models.PROTECT, related_name="mediations_answered"
    )
    facts = models.TextField(pgettext_lazy("mediation", "what happened"))
    wish = models.TextField(_("what the requester wants"))
    status = models.CharField(
        _("status"), max_length=12, choices=MediationStatus.choices, default=MediationStatus.REQUESTED
    )
    filed_at = models.DateTimeField(_("requested at"))
    # Both deadlines run from the request, in working days (rule data, docs/residents.md decisions).
    schedule_due_at = models.DateTimeField(_("session to be scheduled by"))
    close_due_at = models.DateTimeField(_("mediation to be closed by"))
    due_provisional = models.BooleanField(_("provisional deadlines"), default=False)
    session_at = models.DateTimeField(_("session time"), null=True, blank=True)
    session_place = models.CharField(_("session place"), max_length=120, blank=True)
    scheduled_at = models.DateTimeField(_("first scheduled at"), null=True, blank=True)
    requester_attended = models.BooleanField(_("requester attended"), null=True, blank=True)
    respondent_attended = models.BooleanField(_("other party attended"), null=True, blank=True)
    outcome = models.TextField(_("agreement or reason it failed"), blank=True)
    closed_at = models.DateTimeField(pgettext_lazy("mediation", "closed at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("handled by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("mediation")
        verbose_name_plural = _("mediations")
        indexes = [models.Index(fields=["status", "schedule_due_at"], name="residents_mediation_queue")]
        constraints = [
            models.CheckConstraint(condition=~Q(requester=models.F("respondent")), name="mediation_two_parties"),
            models.CheckConstraint(
                condition=Q(close_due_at__gte=models.F("schedule_due_at")), name="mediation_due_order"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["requested", "withdrawn"]) | Q(session_at__isnull=False),
                name="mediation_session_when_scheduled",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requester.name} · {self.respondent.name}"

    @property
    def is_closed(self) -> bool:
        return self.status in MEDIATION_CLOSED


class StatementParty(models.TextChoices):
    REQUESTER = "requester", _("requester")
    RESPONDENT = "respondent", _("other party")


@audited
class MediationStatement(models.Model):
    """What a party adds to the mediation (the other party's side, later additions). Append-only."""

    mediation = models.ForeignKey(
        Mediation, verbose_name=_("mediation"), on_delete=models.PROTECT, related_name="statements"
    )
    party = models.CharField(_("party"), max_length=10, choices=StatementParty.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=pgettext_lazy("mediation", "author"), on_delete=models.PROTECT,
        related_name="+",
    )
    body = models.TextField(pgettext_lazy("mediation", "statement"))
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["mediation", "at", "id"]
        verbose_name = _("mediation statement")
        verbose_name_plural = _("mediation statements")
        triggers = [
            pgtrigger.Protect(name="statements_append_only", operation=pgtrigger.Update),
            pgtrigger.Protect(name="keep_statements", operation=pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.get_party_display()} · {self.at:%Y-%m-%d}"
