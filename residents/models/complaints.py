"""Complaints and requests (诉求反馈, 第四章第四条): respond in 2 working days, solve in 7."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import MD5
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opc_community.core.audit import audited
from residents.models.residency import Resident


class ComplaintChannel(models.TextChoices):
    PORTAL = "portal", _("portal")
    SUGGESTION_BOX = "suggestion_box", _("suggestion box")
    IN_PERSON = "in_person", _("in person")
    PHONE = "phone", _("phone")


class ComplaintCategory(models.TextChoices):
    FACILITIES = "facilities", _("facilities and equipment")
    ENVIRONMENT = "environment", _("cleanliness and environment")
    SERVICES = "services", _("community services")
    NEIGHBOURS = "neighbours", _("other residents")
    FEES = "fees", _("fees and invoices")
    SAFETY = "safety", _("safety")
    SUGGESTION = "suggestion", _("suggestion")
    OTHER = "other", _("other")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("awaiting response")
    IN_PROGRESS = "in_progress", _("responded, solution pending")
    SOLVED = "solved", _("solution given, awaiting confirmation")
    CLOSED = "closed", _("closed")


COMPLAINT_TRANSITIONS: dict[str, frozenset[str]] = {
    ComplaintStatus.OPEN: frozenset({ComplaintStatus.IN_PROGRESS, ComplaintStatus.SOLVED}),
    ComplaintStatus.IN_PROGRESS: frozenset({ComplaintStatus.SOLVED}),
    ComplaintStatus.SOLVED: frozenset({ComplaintStatus.CLOSED, ComplaintStatus.IN_PROGRESS}),  # confirm / reopen
    ComplaintStatus.CLOSED: frozenset(),
}

#: The constraint that files an identical open complaint once (residents.services.complaints._create).
OPEN_ONCE = "complaint_open_once"


@audited
class Complaint(models.Model):
    """A resident's complaint or request, with both SLA deadlines (工作日, RULEBOOK §2)."""

    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="complaints"
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=ComplaintChannel.choices)
    category = models.CharField(_("category"), max_length=12, choices=ComplaintCategory.choices)
    # Contexts keep these labels apart from same-worded ones of other apps (the notice board's "subject").
    subject = models.CharField(pgettext_lazy("complaint", "subject"), max_length=120)
    text = models.TextField(_("details"))
    attachment = models.FileField(_("attachment"), upload_to="complaints/", blank=True, max_length=200)
    status = models.CharField(
        _("status"), max_length=12, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("handled by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    filed_at = models.DateTimeField(_("filed at"))
    response_due_at = models.DateTimeField(_("response due"))
    solution_due_at = models.DateTimeField(_("solution due"))
    # An open deadline reaches into a year whose holiday schedule is not loaded (RULEBOOK §2).
    due_provisional = models.BooleanField(_("provisional deadlines"), default=False)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    solved_at = models.DateTimeField(_("solved at"), null=True, blank=True)
    closed_at = models.DateTimeField(pgettext_lazy("complaint", "closed at"), null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    # The current solution round's deadline runs from the last reopening (else from the filing);
    # a calendar change recomputes a provisional deadline from it (workdays.registry).
    reopened_at = models.DateTimeField(_("last reopened at"), null=True, blank=True)
    # A reopening starts a new solution round with its own deadline (solution_due_at moves on);
    # this keeps the memory that an earlier round's solution came after its deadline, so the
    # monthly SLA report never turns a late solution into an on-time one (residents.rules.complaints).
    solution_late = models.BooleanField(_("a solution came after its deadline"), default=False)

    class Meta:
        ordering = ["-filed_at"]
        verbose_name = _("complaint or request")
        verbose_name_plural = _("complaints and requests")
        indexes = [models.Index(fields=["status", "response_due_at"]), models.Index(fields=["filed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(solution_due_at__gte=models.F("response_due_at")), name="complaint_due_order"
            ),
            # The same complaint sent twice (a double submit, a retry racing the first) is filed once:
            # while it is open, a resident has no second complaint of the same category, subject and
            # text (the text by its MD5: a long text does not fit in an index entry).
            models.UniqueConstraint(
                "resident", "category", "subject", MD5("text"),
                condition=~Q(status=ComplaintStatus.CLOSED),
                name=OPEN_ONCE,
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class MessageKind(models.TextChoices):
    MESSAGE = "message", pgettext_lazy("complaint", "message")
    RESPONSE = "response", _("response")
    SOLUTION = "solution", _("solution")
    REOPEN = "reopen", _("reopened")
    CONFIRM = "confirm", _("confirmed")
    NOTE = "note", _("internal note")


@audited
class ComplaintMessage(models.Model):
    """The thread of a complaint; internal notes are visible to staff only. Append-only."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint or request"), on_delete=models.PROTECT, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=pgettext_lazy("complaint", "author"), on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=MessageKind.choices)
    body = models.TextField(pgettext_lazy("complaint", "message"))
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["complaint", "at", "id"]
        verbose_name = _("complaint message")
        verbose_name_plural = _("complaint messages")
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update),
            pgtrigger.Protect(name="keep_messages", operation=pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.at:%Y-%m-%d}"

    @property
    def is_internal(self) -> bool:
        return self.kind == MessageKind.NOTE
