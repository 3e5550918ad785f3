"""Safety (第七章): every write of the fire equipment register, inspections, work items and incidents.

- **Inspections** (第七章第一条 定期检查、维护、更换): the daily management team walks the monthly
  round on a phone and records each item once per round: pass, or a defect with a photo. A defect
  marks the item defective and opens a work item (整改工单), closed only with evidence (a photo of
  the repair and what was done); the item is back in service when its last open work item closes.
- **The daily job** (``safety_flag_due``): items overdue for inspection and items expiring or expired
  are told to the daily management team, each once per due day / expiry state (``dedupe_key``), so
  running it twice changes nothing.
- **Incidents** (第七章第二条、第三条、第四条): anyone logged in reports; staff triage with a severity,
  which fixes the response deadline from the rulebook; actions are recorded in order; a serious
  incident tells the administrator at once, and is closed only after its report to the authorities
  (who was told, when) is recorded.

Statuses move through ``INCIDENT_TRANSITIONS`` under a row lock with compare-and-set.
"""

from datetime import date, datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from opc_community import rulebook
from opc_community.accounts.actors import Actor
from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.audit import acting_as
from opc_community.core.errors import DomainError
from opc_community.core.i18n import community_language
from opc_community.core.moments import format_day, format_moment
from opc_community.core.transitions import ensure_can_move, move
from opc_community.core.uploads import validate_upload
from opc_community.portal.services import notify
from opc_community.workdays.rules import local_date
from spaces.models import (
    INCIDENT_TRANSITIONS,
    EquipmentStatus,
    FireEquipment,
    Incident,
    IncidentAction,
    IncidentCategory,
    IncidentSeverity,
    IncidentStatus,
    Inspection,
    InspectionResult,
    SafetyWorkItem,
    WorkItemStatus,
)
from spaces.rules import safety as rules

#: Who keeps the register, inspects and handles incidents (第二章第二条: the daily management team is
#: responsible for safety; the administrator runs everything).
SAFETY_STAFF = (Role.DAILY, Role.ADMINISTRATOR)
PHOTO_TYPES = ("jpeg", "png")
PHOTO_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}
TEXT_MAX_LENGTH = 5000
PLACE_MAX_LENGTH = Incident._meta.get_field("place").max_length
NOTE_MAX_LENGTH = Inspection._meta.get_field("note").max_length


def is_safety_staff(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False)) and has_role(user, *SAFETY_STAFF)


# --- Inspections and work items (第七章第一条) ----------------------------------------------------------


@transaction.atomic
def inspection_record(
    *, equipment: FireEquipment, result: str, actor: Actor, note: str = "", photo: UploadedFile | None = None,
    today: date | None = None,
) -> Inspection:
    """Record one item of this month's round: pass, or a defect with a photo (which opens a work item)."""
    _ensure_staff(actor)
    today = today or timezone.localdate()
    equipment = FireEquipment.objects.select_for_update(no_key=True).get(pk=equipment.pk)
    if equipment.status == EquipmentStatus.RETIRED:
        raise DomainError(_("This equipment is retired and is no longer inspected."), code="retired")
    if result not in InspectionResult.values:
        raise DomainError(_("Choose pass or defect."), field="result")
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise DomainError(_("At most %(limit)s characters, please.") % {"limit": NOTE_MAX_LENGTH}, field="note")
    if result == InspectionResult.DEFECT:
        if photo is None:
            raise DomainError(_("A defect is recorded with a photo of it (Chapter 7, Article 1)."), field="photo")
        if not note:
            raise DomainError(_("Say what is wrong."), field="note")
    month = rules.round_month(today)
    if Inspection.objects.filter(equipment=equipment, round_month=month).exists():
        raise DomainError(
            _("%(code)s was already inspected in this month's round.") % {"code": equipment.code}, code="done"
        )
    inspection = Inspection(
        equipment=equipment, round_month=month, inspected_on=today, result=result, note=note, inspected_by=actor
    )
    if photo is not None:
        inspection.photo_type = _store_photo(inspection.photo, photo, field="photo")
    with acting_as(actor, action="spaces.inspection_record"):
        try:
            with transaction.atomic():
                inspection.save()
        except IntegrityError as error:
            raise DomainError(
                _("%(code)s was already inspected in this month's round.") % {"code": equipment.code}, code="done"
            ) from error
        updates: dict[str, Any] = {"last_inspected_on": today}
        if result == InspectionResult.DEFECT:
            updates["status"] = EquipmentStatus.DEFECTIVE
        FireEquipment.objects.filter(pk=equipment.pk).update(**updates)
        if result == InspectionResult.DEFECT:
            item = SafetyWorkItem.objects.create(
                equipment=equipment, inspection=inspection, opened_by=actor,
                title=Truncator(f"{equipment.code} {equipment.location}: {note}").chars(200),
            )
    if result == InspectionResult.DEFECT:
        with community_language():
            notify(
                recipients=members_of(*SAFETY_STAFF),
                title=lambda: _("Fire equipment defect: %(code)s") % {"code": equipment.code},
                body=lambda: _("%(type)s at %(place)s: %(note)s. A work item is open until the repair is shown.")
                % {"type": equipment.get_equipment_type_display(), "place": equipment.location, "note": note},
                link=reverse("admin:spaces_safetyworkitem_change", args=[item.pk]),
                kind="spaces.safety_defect",
                dedupe_key=f"safety:work_item:{item.pk}",
            )
    return inspection


@transaction.atomic
def work_item_close(*, item: SafetyWorkItem, note: str, evidence: UploadedFile | None, actor: Actor) -> SafetyWorkItem:
    """Close a defect with evidence (a photo of the repair) and what was done; the equipment is back in
    service once none of its work items is open."""
    _ensure_staff(actor)
    item = SafetyWorkItem.objects.select_for_update(no_key=True).get(pk=item.pk)
    if item.status != WorkItemStatus.OPEN:
        raise DomainError(_("This work item is already closed."), code="closed")
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Say what was done."), field="note")
    if evidence is None:
        raise DomainError(_("A work item is closed with evidence: a photo of the repair."), field="evidence")
    item.evidence_type = _store_photo(item.evidence, evidence, field="evidence")
    item.status = WorkItemStatus.CLOSED
    item.closing_note = note[:TEXT_MAX_LENGTH]
    item.closed_at = timezone.now()
    item.closed_by = actor
    with acting_as(actor, action="spaces.work_item_close"):
        item.save()
        if item.equipment_id and not SafetyWorkItem.objects.filter(
            equipment_id=item.equipment_id, status=WorkItemStatus.OPEN
        ).exists():
            FireEquipment.objects.filter(pk=item.equipment_id, status=EquipmentStatus.DEFECTIVE).update(
                status=EquipmentStatus.IN_SERVICE
            )
    return item


def safety_flag_due(*, today: date) -> dict[str, int]:
    """The daily job: tell the safety staff of each item overdue for inspection (once per due day) and
    each item expiring or expired (once per expiry date and state). Idempotent: a second run the same day
    notifies nobody. Returns the counts of items flagged now (new notices only)."""
    safety = rulebook.in_force(on=today).safety
    recipients = list(members_of(*SAFETY_STAFF))
    counts = {"overdue": 0, "expiring": 0, "expired": 0}
    items = FireEquipment.objects.exclude(status=EquipmentStatus.RETIRED).order_by("code")
    with community_language():
        for item in items:
            due_on = rules.inspection_due_on(
                equipment_type=item.equipment_type, installed_on=item.installed_on,
                last_inspected_on=item.last_inspected_on, safety=safety,
            )
            link = reverse("admin:spaces_fireequipment_change", args=[item.pk])
            with community_language():
                if rules.inspection_overdue(due_on=due_on, today=today) and notify(
                    recipients=recipients,
                    title=_("Inspection overdue: %(code)s") % {"code": item.code},
                    body=_("%(item)s was due for inspection by %(day)s (Chapter 7, Article 1).")
                    % {"item": item, "day": format_day(due_on)},
                    link=link, kind="spaces.safety_inspection_overdue",
                    dedupe_key=f"safety:overdue:{item.pk}:{due_on.isoformat()}",
                ):
                    counts["overdue"] += 1
            state = rules.expiry_state(expires_on=item.expires_on, today=today, safety=safety)
            with community_language():
                if state and notify(
                    recipients=recipients,
                    title=(_("Equipment expired: %(code)s") if state == "expired" else _("Equipment expiring: %(code)s"))
                    % {"code": item.code},
                    body=_("%(item)s expires on %(day)s: replace it (Chapter 7, Article 1).")
                    % {"item": item, "day": format_day(item.expires_on)},
                    link=link, kind="spaces.safety_expiry",
                    dedupe_key=f"safety:{state}:{item.pk}:{item.expires_on.isoformat()}",
                ):
                    counts[state] += 1
    return counts


# --- Incidents (第七章第二条至第四条) -------------------------------------------------------------------


@transaction.atomic
def incident_report(
    *, actor: Actor, category: str, place: str, occurred_at: datetime, description: str,
    photo: UploadedFile | None = None,
) -> Incident:
    """Anyone logged in (resident or staff) reports an incident; the safety staff are told at once."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise DomainError(_("Sign in to report an incident."), code="not_allowed")
    if category not in IncidentCategory.values:
        raise DomainError(_("Choose what happened."), field="category")
    place = _required(place, field="place", max_length=PLACE_MAX_LENGTH)
    description = _required(description, field="description", max_length=TEXT_MAX_LENGTH)
    if occurred_at is None:
        raise DomainError(_("Please fill this in."), field="occurred_at")
    if occurred_at > timezone.now() + timedelta(minutes=5):
        raise DomainError(_("The time cannot be in the future."), field="occurred_at")
    incident = Incident(category=category, place=place, occurred_at=occurred_at, description=description,
                        reported_by=actor)
    if photo is not None:
        incident.photo_type = _store_photo(incident.photo, photo, field="photo")
    incident.number = _next_number(timezone.localdate().year)
    with acting_as(actor, action="spaces.incident_report"):
        incident.save()
    with community_language():
        notify(
            recipients=members_of(*SAFETY_STAFF),
            title=lambda: _("Safety incident reported: %(category)s") % {"category": incident.get_category_display()},
            body=lambda: _("%(number)s · %(place)s · %(when)s: %(text)s")
            % {"number": incident.number, "place": place, "when": format_moment(occurred_at),
               "text": Truncator(description).chars(120)},
            link=reverse("admin:spaces_incident_change", args=[incident.pk]),
            kind="spaces.incident_reported",
            dedupe_key=f"incident:{incident.pk}:reported",
        )
    return incident


@transaction.atomic
def incident_triage(*, incident: Incident, severity: str, actor: Actor, note: str = "") -> Incident:
    """Staff set the severity (reported → being handled); the response deadline follows from the rulebook.
    A serious incident tells the administrator at once (第七章第四条)."""
    _ensure_staff(actor)
    if severity not in IncidentSeverity.values:
        raise DomainError(_("Choose the severity."), field="severity")
    incident = _lock(incident)
    ensure_can_move(incident, IncidentStatus.IN_PROGRESS, transitions=INCIDENT_TRANSITIONS)
    now = timezone.now()
    safety = rulebook.in_force(on=local_date(now)).safety
    deadline = rules.respond_by(severity=severity, triaged_at=now, safety=safety)
    with acting_as(actor, action="spaces.incident_triage"):
        incident = move(incident, IncidentStatus.IN_PROGRESS, transitions=INCIDENT_TRANSITIONS,
                        severity=severity, respond_by=deadline, triaged_by=actor, triaged_at=now)
        with community_language():
            text = _("Triaged as %(severity)s; respond by %(when)s.") % {
                "severity": incident.get_severity_display(), "when": format_moment(deadline)}
            if note.strip():
                text += " " + note.strip()[:TEXT_MAX_LENGTH]
        IncidentAction.objects.create(incident=incident, actor=actor, text=text)
    with community_language():
        if rules.is_serious(severity):
            notify(
                recipients=members_of(Role.ADMINISTRATOR),
                title=lambda: _("Serious safety incident: %(number)s") % {"number": incident.number},
                body=lambda: _("%(category)s at %(place)s, %(when)s. Record the report to the authorities on its page.")
                % {"category": incident.get_category_display(), "place": incident.place,
                   "when": format_moment(incident.occurred_at)},
                link=reverse("admin:spaces_incident_change", args=[incident.pk]),
                kind="spaces.incident_serious",
                dedupe_key=f"incident:{incident.pk}:serious",
            )
        notify(
            recipients=[incident.reported_by],
            title=lambda: _("Your report %(number)s is being handled") % {"number": incident.number},
            body=lambda: _("The daily management team is on it."),
            link=reverse("spaces:incident_detail", args=[incident.pk]),
            kind="spaces.incident_triaged",
            dedupe_key=f"incident:{incident.pk}:triaged",
            email=False,
        )
    return incident


@transaction.atomic
def incident_add_action(*, incident: Incident, text: str, actor: Actor) -> IncidentAction:
    """Record what was done (append-only, in order) on an open incident."""
    _ensure_staff(actor)
    incident = _lock(incident)
    if incident.status == IncidentStatus.CLOSED:
        raise DomainError(_("This incident is closed."), code="closed")
    text = _required(text, field="text", max_length=TEXT_MAX_LENGTH)
    with acting_as(actor, action="spaces.incident_add_action"):
        return IncidentAction.objects.create(incident=incident, actor=actor, text=text)


@transaction.atomic
def incident_report_to_authorities(
    *, incident: Incident, authority: str, reported_at: datetime, actor: Actor
) -> Incident:
    """Record that the incident was reported to the authorities: to whom, when, by whom (第七章第四条)."""
    _ensure_staff(actor)
    incident = _lock(incident)
    authority = _required(authority, field="authority", max_length=120)
    if reported_at is None:
        raise DomainError(_("Please fill this in."), field="reported_at")
    if reported_at > timezone.now() + timedelta(minutes=5):
        raise DomainError(_("The time cannot be in the future."), field="reported_at")
    with acting_as(actor, action="spaces.incident_report_to_authorities"):
        Incident.objects.filter(pk=incident.pk).update(
            authorities_told=authority, authorities_told_at=reported_at, authorities_told_by=actor
        )
        IncidentAction.objects.create(
            incident=incident, actor=actor,
            text=_("Reported to %(authority)s at %(when)s.") % {"authority": authority,
                                                               "when": format_moment(reported_at)},
        )
    incident.refresh_from_db()
    return incident


@transaction.atomic
def incident_close(*, incident: Incident, outcome: str, actor: Actor) -> Incident:
    """Close with the outcome (being handled → closed). A serious incident closes only once its report
    to the authorities is recorded. The reporter is told."""
    _ensure_staff(actor)
    incident = _lock(incident)
    ensure_can_move(incident, IncidentStatus.CLOSED, transitions=INCIDENT_TRANSITIONS)
    outcome = _required(outcome, field="outcome", max_length=TEXT_MAX_LENGTH)
    if rules.is_serious(incident.severity) and not incident.authorities_told:
        raise DomainError(
            _("A serious incident is closed after its report to the authorities is recorded (Chapter 7, "
              "Article 4)."), code="not_reported",
        )
    with acting_as(actor, action="spaces.incident_close"):
        incident = move(incident, IncidentStatus.CLOSED, transitions=INCIDENT_TRANSITIONS,
                        outcome=outcome, closed_by=actor, closed_at=timezone.now())
        IncidentAction.objects.create(incident=incident, actor=actor, text=_("Closed: %(outcome)s") % {
            "outcome": outcome})
    with community_language():
        notify(
            recipients=[incident.reported_by],
            title=lambda: _("Your report %(number)s is closed") % {"number": incident.number},
            body=outcome,
            link=reverse("spaces:incident_detail", args=[incident.pk]),
            kind="spaces.incident_closed",
            dedupe_key=f"incident:{incident.pk}:closed",
            email=False,
        )
    return incident


# --- Helpers -----------------------------------------------------------------------------------------


def _ensure_staff(actor: Actor) -> None:
    if not is_safety_staff(actor):
        raise DomainError(
            _("Only the daily management team or the administrator handles safety (Chapter 7)."),
            code="not_allowed",
        )


def _lock(incident: Incident) -> Incident:
    return Incident.objects.select_for_update(no_key=True, of=("self",)).select_related("reported_by").get(pk=incident.pk)


def _store_photo(field_file: Any, upload: UploadedFile, *, field: str) -> str:
    """Check a photo by its content (JPEG/PNG, the intake size limit, metadata stripped) and store it
    privately under a name made from its hash; returns its content type."""
    intake = rulebook.in_force().intake
    content_type, sha256 = validate_upload(upload, field=field, allowed=PHOTO_TYPES, max_mb=intake.max_upload_mb)
    field_file.save(f"{sha256[:24]}.{PHOTO_EXTENSIONS[content_type]}", upload, save=False)
    return content_type


def _next_number(year: int) -> str:
    """"安〔2026〕0007号": the year's next incident number, gapless (serialised by an advisory lock)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s), %s)", ["spaces.incident_number", year])
    count = Incident.objects.filter(number__startswith=f"安〔{year}〕").count()
    return f"安〔{year}〕{count + 1:04d}号"


def _required(value: str | None, *, field: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(_("Please fill this in."), field=field)
    if len(value) > max_length:
        raise DomainError(_("At most %(limit)s characters, please.") % {"limit": max_length}, field=field)
    return value



# --- Duty and patrol (第七章第二条) -------------------------------------------------------------------


@transaction.atomic
def patrol_record(
    *, shift: Any, walked_at: datetime, checkpoints: str, actor: Actor, observations: str = ""
) -> Any:
    """Record a patrol round of a shift: when, the check points walked, what was seen."""
    from spaces.models import DutyShift, PatrolRound

    _ensure_staff(actor)
    shift = DutyShift.objects.select_for_update(no_key=True).get(pk=shift.pk)
    checkpoints = _required(checkpoints, field="checkpoints", max_length=300)
    if walked_at is None:
        raise DomainError(_("Please fill this in."), field="walked_at")
    if walked_at > timezone.now() + timedelta(minutes=5):
        raise DomainError(_("The time cannot be in the future."), field="walked_at")
    if not shift.starts_at <= walked_at <= shift.ends_at:
        raise DomainError(_("A round is walked within its shift."), field="walked_at")
    with acting_as(actor, action="spaces.patrol_record"):
        return PatrolRound.objects.create(shift=shift, walked_at=walked_at, checkpoints=checkpoints,
                                          observations=(observations or "").strip()[:TEXT_MAX_LENGTH],
                                          recorded_by=actor)
