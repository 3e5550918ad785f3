"""The working-day calendar as data (RULEBOOK §2, decision "the calendar is data in the database")."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from opc_community.core.audit import audited


@audited
class CalendarYear(models.Model):
    """A year whose official holiday schedule is loaded; dates in other years are provisional."""

    class Source(models.TextChoices):
        PACKAGE = "package", _("chinesecalendar package")
        STAFF = "staff", _("entered by staff")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.STAFF)
    note = models.CharField(_("note"), max_length=200, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("loaded calendar year")
        verbose_name_plural = _("loaded calendar years")
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100), name="calendaryear_year_in_range"
            )
        ]

    def __str__(self) -> str:
        return str(self.year)


@audited
class SpecialDay(models.Model):
    """A statutory holiday (休息) or an adjusted working weekend day (调休上班)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("holiday (day off)")
        WORKDAY = "workday", _("adjusted working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("holiday name"), max_length=100)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday or adjusted working day")
        verbose_name_plural = _("holidays and adjusted working days")
        constraints = [
            # Adjusted working days (调休上班日) are always weekend days.
            models.CheckConstraint(
                condition=Q(kind="holiday") | Q(date__iso_week_day__gte=6),
                name="specialday_workday_on_weekend",
                violation_error_message=_("An adjusted working day must be a Saturday or a Sunday."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name} ({self.get_kind_display()})"


class CalendarChange(models.Model):
    """One change of the calendar and what it did to the stored deadlines (RULEBOOK §2).

    Written by ``workdays.services`` in the transaction of the change itself: what changed, by
    whom, and per deadline kind how many open provisional deadlines were computed again, how many
    moved, how many became final and how many overdue flags were withdrawn. Append-only.
    """

    class Source(models.TextChoices):
        ADMIN = "admin", _("edited in the admin")
        FILE = "file", _("loaded from a file")
        PACKAGE = "package", _("loaded from the chinesecalendar package")

    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    summary = models.TextField(_("what changed"))
    # {kind key: {"deadlines": n, "moved": n, "settled": n, "flags_cleared": n}} (registry.Recomputed)
    results = models.JSONField(_("deadlines recomputed"), default=dict, blank=True)
    moved = models.PositiveIntegerField(_("deadlines moved"), default=0)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("calendar change")
        verbose_name_plural = _("calendar changes")
        triggers = [pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.summary[:40]}"
