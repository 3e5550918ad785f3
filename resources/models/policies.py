"""Policy help (政策对接, 第五章第二条第3项; RULEBOOK §6).

Staff publish **policies** (创业扶持 subsidies, 税收减免 tax relief, 人才引进 talent) with an application
deadline; a published policy is a policy notice on the board. A resident marks **interest** (and is
reminded before the deadline, once — :class:`PolicyReminder` is the database's guard) and/or asks for
**help** applying; the resources team answers each help request within the response deadline (rule data,
working days) and follows it to its outcome: accepted → submitted → granted (with the amount) or not
granted.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opc_community.core.audit import audited


class PolicyKind(models.TextChoices):
    SUBSIDY = "subsidy", _("startup subsidy")
    TAX_RELIEF = "tax_relief", _("tax relief")
    TALENT = "talent", _("talent policy")


@audited
class Policy(models.Model):
    """A policy the community relays, with the day applications to the authority close."""

    kind = models.CharField(pgettext_lazy("policy", "kind"), max_length=12, choices=PolicyKind.choices)
    title = models.CharField(_("title"), max_length=120)
    issuer = models.ForeignKey("resources.Partner", verbose_name=_("issued by"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="policies",
                               help_text=_("The government body (from the partner register)."))
    summary = models.TextField(_("summary"), help_text=_("Published on the notice board: no personal data."))
    eligibility = models.TextField(_("who may apply"), blank=True)
    benefit = models.CharField(_("benefit"), max_length=200, blank=True)
    application_deadline = models.DateField(_("application deadline"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-application_deadline", "title"]
        verbose_name = _("policy")
        verbose_name_plural = _("policies")

    def __str__(self) -> str:
        return self.title


@audited
class PolicyInterest(models.Model):
    """A resident follows a policy (关注): reminded before its deadline."""

    policy = models.ForeignKey(Policy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="interests")
    resident = models.ForeignKey("residents.Resident", verbose_name=_("resident"), on_delete=models.PROTECT,
                                 related_name="policy_interests")
    created_at = models.DateTimeField(_("marked at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("policy interest")
        verbose_name_plural = _("policy interests")
        constraints = [models.UniqueConstraint(fields=["policy", "resident"], name="policy_interest_once")]

    def __str__(self) -> str:
        return f"{self.resident} → {self.policy}"


class PolicyReminder(models.Model):
    """The reminder sent to one resident about one policy's deadline: the unique pair is the database's
    guarantee that the daily job reminds each resident once per policy, however often it runs."""

    policy = models.ForeignKey(Policy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="reminders")
    resident = models.ForeignKey("residents.Resident", verbose_name=_("resident"), on_delete=models.PROTECT,
                                 related_name="+")
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("policy reminder")
        verbose_name_plural = _("policy reminders")
        constraints = [models.UniqueConstraint(fields=["policy", "resident"], name="policy_reminder_once")]

    def __str__(self) -> str:
        return f"{self.resident} → {self.policy}"


class HelpStatus(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("policy help", "requested")
    ACCEPTED = "accepted", pgettext_lazy("policy help", "accepted")
    SUBMITTED = "submitted", pgettext_lazy("policy help", "submitted to the authority")
    GRANTED = "granted", pgettext_lazy("policy help", "granted")
    NOT_GRANTED = "not_granted", pgettext_lazy("policy help", "not granted")
    WITHDRAWN = "withdrawn", pgettext_lazy("policy help", "withdrawn")
    CLOSED = "closed", pgettext_lazy("policy help", "closed at exit")


#: The team accepts a request (its response), submits the application with the resident, and records
#: the authority's answer; the resident may withdraw before that answer; an exit closes an open one.
HELP_TRANSITIONS: dict[str, frozenset[str]] = {
    HelpStatus.REQUESTED: frozenset({HelpStatus.ACCEPTED, HelpStatus.WITHDRAWN, HelpStatus.CLOSED}),
    HelpStatus.ACCEPTED: frozenset({HelpStatus.SUBMITTED, HelpStatus.WITHDRAWN, HelpStatus.CLOSED}),
    HelpStatus.SUBMITTED: frozenset({HelpStatus.GRANTED, HelpStatus.NOT_GRANTED, HelpStatus.WITHDRAWN,
                                     HelpStatus.CLOSED}),
    HelpStatus.GRANTED: frozenset(),
    HelpStatus.NOT_GRANTED: frozenset(),
    HelpStatus.WITHDRAWN: frozenset(),
    HelpStatus.CLOSED: frozenset(),
}

OPEN_HELP = (HelpStatus.REQUESTED, HelpStatus.ACCEPTED, HelpStatus.SUBMITTED)


@audited
class PolicyHelpRequest(models.Model):
    """A resident asks the resources team for help applying for a policy (one open request per policy)."""

    policy = models.ForeignKey(Policy, verbose_name=_("policy"), on_delete=models.PROTECT,
                               related_name="help_requests")
    resident = models.ForeignKey("residents.Resident", verbose_name=_("resident"), on_delete=models.PROTECT,
                                 related_name="policy_help_requests")
    question = models.TextField(_("what help is needed"))
    status = models.CharField(_("status"), max_length=12, choices=HelpStatus.choices, default=HelpStatus.REQUESTED)
    requested_at = models.DateTimeField(_("requested at"))
    response_due_at = models.DateTimeField(_("response due"))
    response_due_provisional = models.BooleanField(_("provisional deadline"), default=False)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("handled by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    submitted_on = models.DateField(_("submitted to the authority on"), null=True, blank=True)
    decided_on = models.DateField(_("authority's answer on"), null=True, blank=True)
    granted_amount = models.DecimalField(_("amount granted (yuan)"), max_digits=14, decimal_places=2, null=True,
                                         blank=True)
    staff_note = models.TextField(_("note for the resident"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(_("flagged overdue at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("policy help request")
        verbose_name_plural = _("policy help requests")
        indexes = [models.Index(fields=["status", "response_due_at"])]
        constraints = [
            models.UniqueConstraint(fields=["policy", "resident"],
                                    condition=Q(status__in=["requested", "accepted", "submitted"]),
                                    name="policy_help_one_open"),
            models.CheckConstraint(condition=~Q(status="granted") | Q(granted_amount__gt=0),
                                   name="policy_help_granted_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.resident} → {self.policy}"
