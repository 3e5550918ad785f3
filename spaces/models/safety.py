"""Safety (第七章): the fire equipment register, its inspections, defects as work items, incidents.

Inspection intervals, expiry warnings and incident response times are rule data
(``rulebook.safety``), read by the pure functions of ``spaces.rules.safety``; the rows
hold only facts (dates, results, who, when). Statuses move only through
``spaces.services.safety``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from opc_community.core.audit import audited


class EquipmentType(models.TextChoices):
    """第七章第一条: 灭火器、消防栓、应急灯、疏散指示标志 (and the alarms that go with them)."""

    EXTINGUISHER = "extinguisher", _("fire extinguisher")
    HYDRANT = "hydrant", _("fire hydrant")
    EMERGENCY_LIGHT = "emergency_light", _("emergency light")
    EXIT_SIGN = "exit_sign", _("exit sign")
    ALARM = "alarm", _("fire alarm")


class EquipmentStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("in service")
    DEFECTIVE = "defective", _("defective")
    RETIRED = "retired", _("retired")


@audited
class FireEquipment(models.Model):
    """One item of fire equipment (消防设施) at a place; ``last_inspected_on`` is the day of its latest
    inspection (kept by the inspection service), from which the rules compute the next due day."""

    code = models.CharField(_("equipment code"), max_length=20, unique=True)
    equipment_type = models.CharField(_("equipment type"), max_length=16, choices=EquipmentType.choices)
    location = models.CharField(_("location"), max_length=120)
    installed_on = models.DateField(_("installed on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True,
                                  help_text=_("Leave empty for equipment without an expiry date."))
    last_inspected_on = models.DateField(_("last inspected on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=EquipmentStatus.choices,
                              default=EquipmentStatus.IN_SERVICE)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["location", "code"]
        verbose_name = _("fire equipment")
        verbose_name_plural = _("fire equipment register")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=models.F("installed_on")),
                name="fire_equipment_expiry_after_install",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.get_equipment_type_display()} · {self.location}"


class InspectionResult(models.TextChoices):
    PASS = "pass", _("pass")
    DEFECT = "defect", _("defect")


def safety_photo_path(instance: models.Model, filename: str) -> str:
    # The stored name is made by the service from the content's hash, never the uploader's.
    return f"safety/{type(instance).__name__.lower()}/{filename}"


@audited
class Inspection(models.Model):
    """One item checked on one day of a monthly round (月度巡检): pass, or a defect with a photo.
    ``round_month`` is the first day of the month of the round; an item is inspected once per round."""

    equipment = models.ForeignKey(FireEquipment, verbose_name=_("equipment"), on_delete=models.PROTECT,
                                  related_name="inspections")
    round_month = models.DateField(_("round (month)"))
    inspected_on = models.DateField(_("inspected on"))
    result = models.CharField(_("result"), max_length=8, choices=InspectionResult.choices)
    note = models.CharField(_("observation"), max_length=500, blank=True)
    photo = models.FileField(_("photo"), upload_to=safety_photo_path, blank=True, max_length=200)
    photo_type = models.CharField(_("content type"), max_length=40, blank=True)
    inspected_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("inspected by"),
                                     on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-inspected_on", "-pk"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        constraints = [
            models.UniqueConstraint(fields=["equipment", "round_month"], name="inspection_once_per_round"),
            models.CheckConstraint(condition=Q(result="pass") | ~Q(photo=""), name="inspection_defect_has_photo"),
        ]

    def __str__(self) -> str:
        return f"{self.equipment.code} {self.inspected_on:%Y-%m-%d} {self.get_result_display()}"


class WorkItemStatus(models.TextChoices):
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")


@audited
class SafetyWorkItem(models.Model):
    """A defect to repair (整改工单): opened by a defective inspection (or by staff for an incident),
    closed only with evidence (a photo of the repair) and a note."""

    equipment = models.ForeignKey(FireEquipment, verbose_name=_("equipment"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="work_items")
    inspection = models.OneToOneField(Inspection, verbose_name=_("inspection"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="work_item")
    incident = models.ForeignKey("spaces.Incident", verbose_name=_("incident"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="work_items")
    title = models.CharField(_("defect"), max_length=200)
    status = models.CharField(_("status"), max_length=8, choices=WorkItemStatus.choices,
                              default=WorkItemStatus.OPEN)
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("opened by"),
                                  on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("closed by"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    closing_note = models.TextField(_("what was done"), blank=True)
    evidence = models.FileField(_("evidence"), upload_to=safety_photo_path, blank=True, max_length=200)
    evidence_type = models.CharField(_("content type"), max_length=40, blank=True)

    class Meta:
        ordering = ["status", "-opened_at"]
        verbose_name = _("safety work item")
        verbose_name_plural = _("safety work items")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | (~Q(evidence="") & ~Q(closing_note="") & Q(closed_at__isnull=False)),
                name="work_item_closed_with_evidence",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class IncidentCategory(models.TextChoices):
    """第七章第二条、第三条: what anyone logged in may report."""

    HAZARD = "hazard", _("safety hazard")
    SUSPICIOUS_PERSON = "suspicious_person", _("suspicious person")
    THEFT = "theft", _("theft")
    FIGHT = "fight", _("fight")
    NETWORK_ANOMALY = "network_anomaly", _("network anomaly")
    INFORMATION_SECURITY = "information_security", _("information security")


class IncidentSeverity(models.TextChoices):
    GENERAL = "general", _("general")
    MAJOR = "major", _("major")
    SERIOUS = "serious", _("serious")


class IncidentStatus(models.TextChoices):
    REPORTED = "reported", _("reported")
    IN_PROGRESS = "in_progress", _("being handled")
    CLOSED = "closed", _("closed")


INCIDENT_TRANSITIONS: dict[str, frozenset[str]] = {
    IncidentStatus.REPORTED: frozenset({IncidentStatus.IN_PROGRESS}),
    IncidentStatus.IN_PROGRESS: frozenset({IncidentStatus.CLOSED}),
    IncidentStatus.CLOSED: frozenset(),
}


@audited
class Incident(models.Model):
    """A safety incident (安全事件) reported by anyone logged in; triaged by staff with a severity, which
    fixes ``respond_by`` from the rulebook; actions recorded (``IncidentAction``); closed with a note.
    A serious incident records its report to the authorities (who was told, by whom, when)."""

    number = models.CharField(_("incident number"), max_length=30, unique=True)
    category = models.CharField(_("category"), max_length=24, choices=IncidentCategory.choices)
    place = models.CharField(_("place"), max_length=120)
    occurred_at = models.DateTimeField(_("happened at"))
    description = models.TextField(_("description"))
    photo = models.FileField(_("photo"), upload_to=safety_photo_path, blank=True, max_length=200)
    photo_type = models.CharField(_("content type"), max_length=40, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reported by"),
                                    on_delete=models.PROTECT, related_name="safety_incidents")
    reported_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=12, choices=IncidentStatus.choices,
                              default=IncidentStatus.REPORTED)
    severity = models.CharField(_("severity"), max_length=8, choices=IncidentSeverity.choices, blank=True)
    respond_by = models.DateTimeField(_("respond by"), null=True, blank=True)
    triaged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("triaged by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    triaged_at = models.DateTimeField(_("triaged at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("closed by"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    authorities_told = models.CharField(_("authority reported to"), max_length=120, blank=True)
    authorities_told_at = models.DateTimeField(_("reported to the authority at"), null=True, blank=True)
    authorities_told_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported to the authority by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )

    class Meta:
        ordering = ["-reported_at"]
        verbose_name = _("safety incident")
        verbose_name_plural = _("safety incidents")
        indexes = [models.Index(fields=["status", "severity"]), models.Index(fields=["reported_by", "reported_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(status="reported") | ~Q(severity=""), name="incident_triaged_severity"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_category_display()}"


class TimelineEntry(models.Model):
    """One line of a timeline, in order (append-only): who did what, when. The concrete timelines add
    what the line belongs to."""

    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT,
                              related_name="+")
    text = models.TextField(_("action"))

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


@audited
class IncidentAction(TimelineEntry):
    """What was done about an incident: triage, actions, case opened, report, close."""

    incident = models.ForeignKey(Incident, verbose_name=_("incident"), on_delete=models.PROTECT,
                                 related_name="actions")

    class Meta(TimelineEntry.Meta):
        verbose_name = _("incident action")
        verbose_name_plural = _("incident actions")


@audited
class DutyShift(models.Model):
    """A duty shift (值班, 第七章第二条 安排专人值班): who is on duty from when to when."""

    on_duty = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("on duty"), on_delete=models.PROTECT,
                                related_name="duty_shifts")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty and patrol log")
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                              name="duty_shift_period_order")]

    def __str__(self) -> str:
        return f"{self.on_duty} {self.starts_at:%Y-%m-%d %H:%M}"


@audited
class PatrolRound(models.Model):
    """One patrol round of a shift (巡逻): the check points walked and what was seen."""

    shift = models.ForeignKey(DutyShift, verbose_name=_("duty shift"), on_delete=models.PROTECT,
                              related_name="rounds")
    walked_at = models.DateTimeField(_("walked at"))
    checkpoints = models.CharField(_("check points"), max_length=300)
    observations = models.TextField(_("observations"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["walked_at", "pk"]
        verbose_name = _("patrol round")
        verbose_name_plural = _("patrol rounds")

    def __str__(self) -> str:
        return f"{self.walked_at:%H:%M} {self.checkpoints[:30]}"


class SafetyDashboard(Incident):
    """The staff safety dashboard and the yearly safety report (第七章): not data of its own, a read-only
    view over the register, inspections, work items, incidents and patrols. A proxy so that the page has
    its own entry on the admin index and its own ``view`` permission, which the role matrix gives to the
    daily management team, the administrator and oversight (spaces/admin/safety_dashboard.py)."""

    class Meta:
        proxy = True
        default_permissions = ("view",)
        verbose_name = _("safety dashboard")
        verbose_name_plural = _("safety dashboard")
