"""Cross-cutting models: the audit trail as staff see it; what every appeal records; idempotency keys."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from pghistory.models import MiddlewareEvents


class AuditEvent(MiddlewareEvents):
    """Every recorded change of every audited table, with the user and URL (or job) behind it."""

    class Meta:
        proxy = True
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")


#: The status of an appeal awaiting its answer, in every appeal model.
PENDING = "pending"


class AppealRecord(models.Model):
    """What every appeal records — 复核 of a penalty (第八章第二条), 申诉 of a quarter's score (第六章第三条):
    the grounds, when it was submitted and is due an answer, and the answer (``core.admin_base.AppealQueueAdmin``
    shows them). The concrete model adds what is appealed, the resident and its status."""

    reason = models.TextField(_("grounds of the appeal"))
    submitted_at = models.DateTimeField(_("submitted at"))
    answer_due_at = models.DateTimeField(_("answer due"))
    # The answer's deadline reaches into a year whose holiday schedule is not loaded (RULEBOOK §2):
    # a calendar change computes it again (core.appeals.answers_recompute_provisional).
    due_provisional = models.BooleanField(_("answer due provisional"), default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)

    class Meta:
        abstract = True
        ordering = ["-submitted_at"]


class IdempotencyRecord(models.Model):
    """A POST that was carried out under an idempotency key, with the answer it got
    (``opc_community.core.idempotency``): a repeat of it — a retry, a double click, a second
    request racing the first — gets this answer instead of doing the work again.

    A key belongs to one user and one operation (``scope``): nobody else's request can collide
    with it or read its answer. The row is written in the same transaction as the work it
    records, so both are there or neither is; while that transaction is open, the unique
    constraint makes a concurrent request with the same key wait for it. Rows older than
    ``settings.IDEMPOTENCY_KEY_TTL`` no longer count and are purged daily.
    """

    scope = models.CharField(_("operation"), max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("idempotency key"), max_length=255)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    created_at = models.DateTimeField(_("created at"))
    # Empty only inside the claiming transaction: a committed row always holds its answer. The body is
    # JSON text, not jsonb, so that a replay is byte for byte the first answer (jsonb reorders keys).
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True)
    body = models.TextField(_("stored response"), blank=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=["scope", "user", "key"], name="idempotency_key_once")]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
