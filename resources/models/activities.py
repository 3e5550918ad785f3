"""Resources and services (第四章第二条至第四条，第五章): activities and attendance so far.

Attendance feeds the quarterly score (第六章第一条 维度一): a resident's participation
rate is attended ÷ expected, where expected counts every activity marked "counts for
attendance" held in the quarter while the resident was checked in (RULEBOOK §6 decision).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from opc_community.core.audit import audited


class ActivityKind(models.TextChoices):
    TRAINING = "training", _("training")
    SALON = "salon", _("salon")
    ROADSHOW = "roadshow", _("roadshow")
    MATCHMAKING = "matchmaking", _("matchmaking session")
    STUDY = "study", _("study tour or course")  # 研修学习 (第四章第四条 3)
    DRILL = "drill", _("safety drill or training")  # 消防演练、安全培训 (第七章第一条、第四条): resources.SafetyDrill


@audited
class Activity(models.Model):
    """A community activity (培训、沙龙、路演、对接会、研修学习)."""

    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12, choices=ActivityKind.choices)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=120)
    booking = models.OneToOneField(
        "spaces.Booking", verbose_name=_("room booking"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="activity",
    )
    capacity = models.PositiveSmallIntegerField(_("capacity (people)"))
    counts_for_attendance = models.BooleanField(
        _("counts for attendance"), default=True,
        help_text=_("Counted in every checked-in resident's participation rate (第六章第一条)."),
    )
    checkin_token = models.CharField(_("check-in code"), max_length=64, unique=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("organised by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [models.Index(fields=["counts_for_attendance", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="activity_period_order"),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="activity_capacity_positive"),
        ]

    def __str__(self) -> str:
        return self.title


@audited
class ActivityRegistration(models.Model):
    """A resident signed up for an activity in the portal."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.PROTECT, related_name="registrations"
    )
    resident = models.ForeignKey(
        "residents.Resident", verbose_name=_("resident"), on_delete=models.PROTECT, related_name="registrations"
    )
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        ordering = ["registered_at"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(fields=["activity", "resident"], name="registration_once_per_activity")
        ]

    def __str__(self) -> str:
        return f"{self.resident} → {self.activity}"


class CheckInMethod(models.TextChoices):
    LIST = "list", _("ticked on the list by staff")
    QR = "qr", _("QR code scanned")


@audited
class Attendance(models.Model):
    """A resident was at an activity (the attendance record of 第六章第一条)."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.PROTECT, related_name="attendances"
    )
    resident = models.ForeignKey(
        "residents.Resident", verbose_name=_("resident"), on_delete=models.PROTECT, related_name="attendances"
    )
    method = models.CharField(_("checked in by"), max_length=4, choices=CheckInMethod.choices)
    checked_in_at = models.DateTimeField(_("check-in time"))
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["checked_in_at"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["activity", "resident"], name="attendance_once_per_activity")]

    def __str__(self) -> str:
        return f"{self.resident} @ {self.activity}"
