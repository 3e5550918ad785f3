"""The portal's own table: the notification inbox (站内消息)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opc_community.core.audit import audited


class EmailState(models.TextChoices):
    """Where a notification's e-mail stands in the outbox (``services.notification_emails_send``)."""

    NONE = "none", _("no e-mail")  # not asked for, or the recipient has no address
    PENDING = "pending", _("waiting to be sent")
    SENDING = "sending", _("being sent")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


#: The outbox's bookkeeping: a claim or a failed attempt writes no audit event (the trail records the
#: message and the moment it was e-mailed, ``emailed_at``).
EMAIL_BOOKKEEPING = ("email_state", "email_attempts", "email_next_attempt_at", "email_claimed_at", "email_error")


@audited(exclude=EMAIL_BOOKKEEPING)
class Notification(models.Model):
    """One message in one person's inbox, optionally also sent by email.

    Invariants:
    - a notification belongs to exactly one recipient and only that person reads it
      (views and the API fetch through ``selectors.inbox_for``, so anyone else gets 404);
    - ``dedupe_key`` is unique per recipient when set, so a job that runs twice
      (ARCHITECTURE.md, "Jobs") notifies a person exactly once;
    - ``link`` is a path inside this site (checked by ``services.notify``), never an
      outside address: a message must not send a resident elsewhere;
    - the row is the e-mail's outbox entry: written with the message in the caller's
      transaction, sent later by a job, at most once (``email_state``; docs/operations.md,
      "Reliability").
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(
        _("link"),
        max_length=500,
        blank=True,
        help_text=_("A page of this site the message refers to, e.g. /portal/."),
    )
    kind = models.CharField(
        _("kind"),
        max_length=64,
        blank=True,
        help_text=_("What the message is about, for filtering, e.g. renewal_reminder."),
    )
    # NULL means "no key": PostgreSQL never treats two NULLs as equal, and the
    # constraint below only covers rows that have a key.
    dedupe_key = models.CharField(  # noqa: DJ001
        _("deduplication key"), max_length=200, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    email_state = models.CharField(
        _("e-mail"), max_length=10, choices=EmailState.choices, default=EmailState.NONE
    )
    email_attempts = models.PositiveSmallIntegerField(_("e-mail attempts"), default=0)
    email_next_attempt_at = models.DateTimeField(_("next e-mail attempt"), null=True, blank=True)
    email_claimed_at = models.DateTimeField(_("e-mail claimed at"), null=True, blank=True)
    email_error = models.TextField(_("e-mail error"), blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=("recipient", "dedupe_key"),
                condition=Q(dedupe_key__isnull=False),
                name="portal_notification_once_per_key",
            ),
        ]
        indexes = [
            # The inbox: one person's messages, newest first.
            models.Index(fields=("recipient", "-created_at"), name="portal_notif_inbox_idx"),
            # The unread badge on every page: a small partial index.
            models.Index(
                fields=("recipient",),
                condition=Q(read_at__isnull=True),
                name="portal_notif_unread_idx",
            ),
            # The outbox job: the e-mails due, oldest first (a small partial index).
            models.Index(
                fields=("email_next_attempt_at", "id"),
                condition=Q(email_state="pending"),
                name="portal_notif_outbox_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
