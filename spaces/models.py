"""Spaces (第四章第一条): the desk register and desk assignments.

Rooms, bookings, visitors and permits come with the spaces issue; check-in
(第三章第二条) already assigns a desk from this register.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from opc_community.core.audit import audited


@audited
class Desk(models.Model):
    """A shared-office desk (共享办公位), by floor and zone."""

    code = models.CharField(_("desk code"), max_length=20, unique=True)
    floor = models.CharField(_("floor"), max_length=10)
    zone = models.CharField(_("zone"), max_length=30)
    is_active = models.BooleanField(_("in use"), default=True, help_text=_("Out-of-use desks cannot be assigned."))

    class Meta:
        ordering = ["floor", "zone", "code"]
        verbose_name = _("desk")
        verbose_name_plural = _("desks")

    def __str__(self) -> str:
        return self.code


@audited
class DeskAssignment(models.Model):
    """A resident at a desk from ``starts_at`` until released; one open assignment per desk and per resident."""

    desk = models.ForeignKey(Desk, on_delete=models.PROTECT, related_name="assignments")
    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="desk_assignments")
    starts_at = models.DateTimeField(_("assigned at"))
    ends_at = models.DateTimeField(_("released at"), null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("desk assignment")
        verbose_name_plural = _("desk assignments")
        constraints = [
            models.UniqueConstraint(fields=["desk"], condition=Q(ends_at__isnull=True), name="desk_one_open_assignment"),
            models.UniqueConstraint(
                fields=["resident"], condition=Q(ends_at__isnull=True), name="resident_one_open_desk"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                name="desk_assignment_period_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.desk} ← {self.resident}"
