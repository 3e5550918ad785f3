"""Cross-cutting models: the audit trail as staff see it; what every appeal records."""

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
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)

    class Meta:
        abstract = True
        ordering = ["-submitted_at"]

