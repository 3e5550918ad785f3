"""Cleaning and closing rounds (第四章第一条 3 环境卫生管理, 4 空间安全管理).

- ``CleaningRound``: one cleaning or disinfection of a public area, logged by the daily team on a phone.
  The areas and how often each is due are rule data (``rulebook.rounds.cleaning_areas``); a row holds
  the area's code and what was done.
- ``ClosingRound``: the evening closing round of a day (关闭电源、锁好门窗、无危险物品), one per day, with a
  ``RoundException`` for each item found wrong (and any other finding). An exception may open a safety
  incident (``spaces.services.rounds.exception_open_incident``) or be referred for a violation case
  (kinds 2b / 6a, by the discipline app through ``spaces.extensions``).
- ``MissedRound``: a round that was due and not logged, found by the daily job; one row per day, kind
  and area, so that the job is idempotent and the daily management team is told once.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from opc_community.core.audit import audited


class CleaningKind(models.TextChoices):
    CLEANING = "cleaning", _("cleaning")
    DISINFECTION = "disinfection", _("disinfection")


@audited
class CleaningRound(models.Model):
    """One cleaning or disinfection of an area (``area`` is a key of the rulebook's ``cleaning_areas``)."""

    area = models.CharField(_("area"), max_length=30)
    kind = models.CharField(_("kind"), max_length=12, choices=CleaningKind.choices)
    day = models.DateField(_("day"))
    done_at = models.DateTimeField(_("done at"))
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("done by"), on_delete=models.PROTECT,
                                related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-done_at", "-pk"]
        verbose_name = _("cleaning round")
        verbose_name_plural = _("cleaning and disinfection log")
        indexes = [models.Index(fields=["day", "area", "kind"])]

    def __str__(self) -> str:
        return f"{self.area} {self.get_kind_display()} {self.done_at:%Y-%m-%d %H:%M}"


class ClosingItem(models.TextChoices):
    """第四章第一条4: what the closing round checks, and "other" for any further finding."""

    POWER = "power", _("power off (computers, lights, air conditioning)")
    LOCKS = "locks", _("windows and doors locked")
    HAZARDS = "hazards", _("no hazardous items (flammable, explosive, toxic, knives) or improvised wiring")
    OTHER = "other", _("other finding")


@audited
class ClosingRound(models.Model):
    """The evening closing round of a day: one per day; each checklist item confirmed or an exception."""

    day = models.DateField(_("day"), unique=True)
    done_at = models.DateTimeField(_("done at"))
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("done by"), on_delete=models.PROTECT,
                                related_name="+")
    power_off = models.BooleanField(_("power off"))
    locked = models.BooleanField(_("windows and doors locked"))
    no_hazards = models.BooleanField(_("no hazardous items"))

    class Meta:
        ordering = ["-day"]
        verbose_name = _("closing round")
        verbose_name_plural = _("closing rounds")

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d}"

    @property
    def all_clear(self) -> bool:
        return self.power_off and self.locked and self.no_hazards


@audited
class RoundException(models.Model):
    """Something the closing round found wrong: where, what; what was done about it (an incident, a case)."""

    closing_round = models.ForeignKey(ClosingRound, verbose_name=_("closing round"), on_delete=models.PROTECT,
                                      related_name="exceptions")
    item = models.CharField(_("checklist item"), max_length=8, choices=ClosingItem.choices)
    place = models.CharField(_("place"), max_length=120)
    description = models.CharField(_("what was found"), max_length=500)
    incident = models.OneToOneField("spaces.Incident", verbose_name=_("safety incident"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="round_exception")

    class Meta:
        ordering = ["closing_round", "pk"]
        verbose_name = _("closing round exception")
        verbose_name_plural = _("closing round exceptions")

    def __str__(self) -> str:
        return f"{self.closing_round} {self.get_item_display()} · {self.place}"


class MissedKind(models.TextChoices):
    CLEANING = "cleaning", _("cleaning")
    DISINFECTION = "disinfection", _("disinfection")
    CLOSING = "closing", _("closing round")


class MissedRound(models.Model):
    """A round due on ``day`` and not logged (found by the daily job); ``area`` is empty for the closing
    round. Unique per day, kind and area: the job records and tells each once."""

    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=12, choices=MissedKind.choices)
    area = models.CharField(_("area"), max_length=30, blank=True)
    expected = models.PositiveSmallIntegerField(_("due"))
    done = models.PositiveSmallIntegerField(_("logged"))
    flagged_at = models.DateTimeField(_("flagged at"), auto_now_add=True)

    class Meta:
        ordering = ["-day", "kind", "area"]
        verbose_name = _("missed round")
        verbose_name_plural = _("missed rounds")
        constraints = [
            models.UniqueConstraint(fields=["day", "kind", "area"], name="missed_round_once"),
            models.CheckConstraint(condition=Q(done__lt=models.F("expected")), name="missed_round_short"),
        ]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.get_kind_display()} {self.area}"
