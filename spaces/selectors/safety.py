"""Reads of safety (第七章): the register with its due state, open work items, incidents (a reporter's
own, the staff queue), and the dashboard's counts — each a fixed number of queries."""

from datetime import date
from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from opc_community import rulebook
from spaces.models import (
    EquipmentStatus,
    FireEquipment,
    Incident,
    IncidentAction,
    IncidentStatus,
    SafetyWorkItem,
    WorkItemStatus,
)
from spaces.rules import safety as rules


def equipment() -> QuerySet[FireEquipment]:
    return FireEquipment.objects.order_by("location", "code")


def equipment_due_state(items: list[FireEquipment], *, today: date) -> list[FireEquipment]:
    """Annotates each item (in Python, no query) with ``due_on``, ``overdue`` and ``expiry`` from the rules."""
    safety = rulebook.in_force(on=today).safety
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
