"""Reads of safety (第七章): the register with its due state, open work items, incidents (a reporter's
own, the staff queue), the staff dashboard and the yearly safety report — each a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Prefetch, Q, QuerySet
from django.db.models.functions import ExtractMonth

from opc_community import rulebook
from spaces.models import (
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


def equipment() -> QuerySet[FireEquipment]:
    return FireEquipment.objects.order_by("location", "code")


def equipment_due_state(items: list[FireEquipment], *, today: date, safety: Any = None) -> list[FireEquipment]:
    """Annotates each item (in Python) with ``due_on``, ``overdue`` and ``expiry`` from the rules; one query for
    the rulebook unless its ``safety`` rules are passed."""
    safety = safety or rulebook.in_force(on=today).safety
    for item in items:
        item.due_on = rules.inspection_due_on(
            equipment_type=item.equipment_type, installed_on=item.installed_on,
            last_inspected_on=item.last_inspected_on, safety=safety,
        )
        item.overdue = item.status != EquipmentStatus.RETIRED and rules.inspection_overdue(
            due_on=item.due_on, today=today)
        item.expiry = None if item.status == EquipmentStatus.RETIRED else rules.expiry_state(
            expires_on=item.expires_on, today=today, safety=safety)
    return items


def overdue_equipment(*, today: date) -> list[FireEquipment]:
    """Items in use overdue for inspection (one query)."""
    items = equipment_due_state(list(equipment().exclude(status=EquipmentStatus.RETIRED)), today=today)
    return [item for item in items if item.overdue]


def uninspected_this_round(*, today: date) -> QuerySet[FireEquipment]:
    """Items in use not yet inspected in this month's round: the phone round's list."""
    return equipment().exclude(status=EquipmentStatus.RETIRED).exclude(
        inspections__round_month=rules.round_month(today))


def work_items() -> QuerySet[SafetyWorkItem]:
    return SafetyWorkItem.objects.select_related("equipment", "opened_by", "closed_by", "incident")


def open_work_items() -> QuerySet[SafetyWorkItem]:
    return work_items().filter(status=WorkItemStatus.OPEN).order_by("opened_at")


def incidents() -> QuerySet[Incident]:
    return Incident.objects.select_related("reported_by", "triaged_by", "closed_by").order_by("-reported_at", "-pk")


def incidents_reported_by(user: Any) -> QuerySet[Incident]:
    """The reports of one person (a resident sees only its own)."""
    return incidents().filter(reported_by=user)


def with_actions(queryset: QuerySet[Incident]) -> QuerySet[Incident]:
    """Adds ``incident.action_list`` with their actors (one more query in all)."""
    return queryset.prefetch_related(
        Prefetch("actions", queryset=IncidentAction.objects.select_related("actor"), to_attr="action_list"))


def open_incidents_by_severity() -> dict[str, int]:
    """Open incidents counted by severity ("" = not yet triaged); one query."""
    rows = (Incident.objects.exclude(status=IncidentStatus.CLOSED).values("severity")
            .annotate(n=Count("pk")).order_by())
    return {row["severity"]: row["n"] for row in rows}


def incidents_of_year(year: int) -> QuerySet[Incident]:
    return incidents().filter(reported_at__year=year)


def shifts() -> QuerySet[Any]:
    """Duty shifts with the person on duty and their rounds' times (two queries per page)."""
    from spaces.models import DutyShift, PatrolRound

    return DutyShift.objects.select_related("on_duty").prefetch_related(
        Prefetch("rounds", queryset=PatrolRound.objects.order_by("walked_at"), to_attr="round_list"))


def with_gaps(items: list[Any], *, now: Any) -> list[Any]:
    """Sets ``shift.gaps`` on each shift of a page (the rulebook read once for the page)."""
    by_day = rulebook.in_force_by_day()
    for shift in items:
        shift.gaps = shift_gaps(shift, now=now, book=by_day)
    return items


def shift_gaps(shift: Any, *, now: Any, book: Any = None) -> list[tuple[Any, Any]]:
    """The shift's missing patrol rounds (``spaces.rules.safety.missing_patrols``); reads ``round_list``."""
    from opc_community.workdays.rules import local_date

    day = local_date(shift.starts_at)
    interval = (book(day) if book else rulebook.in_force(on=day)).safety.patrol_interval_minutes
    walked = [r.walked_at for r in getattr(shift, "round_list", None) or shift.rounds.all()]
    return rules.missing_patrols(starts_at=shift.starts_at, ends_at=shift.ends_at, walked=walked, now=now,
                                 interval_minutes=interval)


# --- The staff dashboard (spaces/admin/safety_dashboard.py) ---------------------------------------------

#: How far back the dashboard looks for duty shifts with missing patrol rounds.
PATROL_LOOKBACK = timedelta(days=7)
#: Severities in the order the dashboard shows them ("" = reported, not yet triaged).
SEVERITY_ORDER = ("", IncidentSeverity.SERIOUS, IncidentSeverity.MAJOR, IncidentSeverity.GENERAL)


@dataclass
class Dashboard:
    today: date
    open_work_items: list[SafetyWorkItem]
    overdue: list[FireEquipment]
    expiring: list[FireEquipment]
    incidents_by_severity: list[tuple[str, int]]
    shifts_missing_rounds: list[Any]
    drills_held: int
    drills_minimum: int
    drills_short: int
    drills_planned: int = 0
    drills_to_plan: int = 0
    next_drill: Any = None  # spaces.extensions.DrillSummary of the next drill, or None

    @property
    def open_incidents(self) -> int:
        return sum(n for _, n in self.incidents_by_severity)


def dashboard(*, now: datetime) -> Dashboard:
    """Everything the staff dashboard shows, in six queries whatever the numbers: the rulebook, open work
    items, the register (overdue and expiring judged in Python), open incidents by severity, the last
    week's shifts and their rounds; the drills come from the registered drill source (resources: two
    more queries)."""
    from opc_community.workdays.rules import local_date

    today = local_date(now)
    safety = rulebook.in_force(on=today).safety
    items = equipment_due_state(list(equipment().exclude(status=EquipmentStatus.RETIRED)), today=today,
                                safety=safety)
    counts = open_incidents_by_severity()
    recent = list(shifts().filter(starts_at__gte=now - PATROL_LOOKBACK, starts_at__lte=now).order_by("-starts_at"))
    for shift in recent:
        shift.gaps = rules.missing_patrols(
            starts_at=shift.starts_at, ends_at=shift.ends_at, walked=[r.walked_at for r in shift.round_list],
            now=now, interval_minutes=safety.patrol_interval_minutes)
    from spaces.extensions import drill_summary
    from spaces.rules.emergency import drills_short as drills_to_hold

    drills = drill_summary(year=today.year, now=now)  # the resources app's drills (spaces.extensions)
    held = drills.held
    _, to_plan = drills_to_hold(held=held, planned=drills.planned, minimum=int(safety.min_drills_per_year))
    return Dashboard(
        today=today,
        open_work_items=list(open_work_items()),
        overdue=[item for item in items if item.overdue],
        expiring=[item for item in items if item.expiry],
        incidents_by_severity=[(severity, counts.get(severity, 0)) for severity in SEVERITY_ORDER],
        shifts_missing_rounds=[shift for shift in recent if shift.gaps],
        drills_held=held,
        drills_minimum=int(safety.min_drills_per_year),
        drills_short=rules.drills_short(held=held, safety=safety),
        drills_planned=drills.planned,
        drills_to_plan=to_plan,
        next_drill=drills if drills.next_at is not None else None,
    )


# --- The yearly safety report (Excel) ------------------------------------------------------------------


@dataclass
class MonthInspections:
    month: date
    passed: int = 0
    defects: int = 0

    @property
    def total(self) -> int:
        return self.passed + self.defects


@dataclass
class IncidentLine:
    """Incidents of one category and severity reported in the year, with their response times (hours)."""

    category: str
    severity: str
    reported: int
    closed: int
    late: int
    hours_to_triage: float | None
    hours_to_close: float | None

    @property
    def category_label(self) -> str:
        return str(IncidentCategory(self.category).label)

    @property
    def severity_label(self) -> str:
        return str(IncidentSeverity(self.severity).label) if self.severity else ""


@dataclass
class YearlyReport:
    year: int
    register: list[FireEquipment]
    months: list[MonthInspections]
    defects: list[SafetyWorkItem]
    incidents: list[IncidentLine] = field(default_factory=list)


def _hours(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 1)


def yearly_report(*, year: int, now: datetime) -> YearlyReport:
    """The safety report of a calendar year, in five queries: the register (its state today), inspections
    counted by month and result, the work items opened in the year, incidents reported in the year by
    category and severity. An incident is *late* when closed after its response deadline, or still open
    past it; hours to triage run from the report, hours to close from the triage."""
    from opc_community.workdays.rules import local_date

    register = equipment_due_state(list(equipment()), today=local_date(now))
    months = {month: MonthInspections(date(year, month, 1)) for month in range(1, 13)}
    rows = (Inspection.objects.filter(round_month__year=year).annotate(month=ExtractMonth("round_month"))
            .values("month").annotate(passed=Count("pk", filter=Q(result=InspectionResult.PASS)),
                                      defects=Count("pk", filter=Q(result=InspectionResult.DEFECT))).order_by())
    for row in rows:
        months[row["month"]].passed, months[row["month"]].defects = row["passed"], row["defects"]
    defects = list(work_items().filter(opened_at__year=year).order_by("opened_at", "pk"))
    duration = DurationField()
    lines = (
        Incident.objects.filter(reported_at__year=year).values("category", "severity")
        .annotate(
            reported=Count("pk"),
            closed=Count("pk", filter=Q(status=IncidentStatus.CLOSED)),
            late=Count("pk", filter=Q(closed_at__gt=F("respond_by"))
                       | (~Q(status=IncidentStatus.CLOSED) & Q(respond_by__lt=now))),
            to_triage=Avg(ExpressionWrapper(F("triaged_at") - F("reported_at"), output_field=duration)),
            to_close=Avg(ExpressionWrapper(F("closed_at") - F("triaged_at"), output_field=duration)),
        ).order_by("category", "severity")
    )
    return YearlyReport(
        year=year, register=register, months=list(months.values()), defects=defects,
        incidents=[IncidentLine(row["category"], row["severity"], row["reported"], row["closed"], row["late"],
                                _hours(row["to_triage"]), _hours(row["to_close"])) for row in lines],
    )
