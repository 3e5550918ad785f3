"""Discipline (第八章): suspensions now; violation cases, penalties, appeals and rewards come with their issue.

A suspension (暂停使用) is what the booking, voucher and portal paths check, through
``discipline.selectors.active_suspension`` — one selector for every path.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from opc_community.core.audit import audited


class SuspensionScope(models.TextChoices):
    """What a suspension covers (第八章第二条: 公共空间 / 资源使用权限 / 社区使用)."""

    PUBLIC_SPACES = "public_spaces", _("public spaces (room bookings)")
    RESOURCES = "resources", _("resources (vouchers, equipment, shared resources)")
    COMMUNITY = "community", _("the whole community")


@audited
class Suspension(models.Model):
    """A period during which a resident may not use a scope; open-ended while ``until_paid`` an invoice."""

    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="suspensions")
    scope = models.CharField(_("scope"), max_length=16, choices=SuspensionScope.choices)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"), null=True, blank=True, help_text=_("Empty: until the invoice is paid."))
    until_paid = models.ForeignKey(
        "residents.Invoice", verbose_name=_("until this invoice is paid"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=300)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")
        indexes = [models.Index(fields=["resident", "scope", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=False) | Q(until_paid__isnull=False), name="suspension_has_an_end"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")), name="suspension_period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident}: {self.get_scope_display()}"
