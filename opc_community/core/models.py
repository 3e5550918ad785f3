"""Cross-cutting models: the audit trail as staff see it."""

from django.utils.translation import gettext_lazy as _
from pghistory.models import MiddlewareEvents


class AuditEvent(MiddlewareEvents):
    """Every recorded change of every audited table, with the user and URL (or job) behind it."""

    class Meta:
        proxy = True
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
