"""Pure rules of safety (第七章): when fire equipment is due for inspection or replacement, how many
drills a year needs, when an incident must be answered. They take plain values and ``today``/``now``
and read numbers from ``rulebook.safety`` (passed in); the boundary tables are in
tests/spaces/test_safety_rules.py. Decisions where RULEBOOK is silent: docs/safety.md.
"""

from datetime import date, datetime, timedelta
from typing import Any

#: Incidents whose severity tells the administrator at once and asks for the report to the
#: authorities (第七章第四条 及时向相关部门报告).
SERIOUS_SEVERITIES = frozenset({"serious"})
#: Open statuses of an incident (reported or being handled).
OPEN_INCIDENT_STATUSES = frozenset({"reported", "in_progress"})


def round_month(day: date) -> date:
    """The monthly round a day belongs to: the first day of its month."""
    return day.replace(day=1)


def inspection_due_on(*, equipment_type: str, installed_on: date, last_inspected_on: date | None, safety: Any) -> date:
    """The last day by which the item must be inspected again: its latest inspection (or, never inspected,
    its installation) plus the type's interval. Due on that day, overdue from the next."""
    start = last_inspected_on or installed_on
    return start + timedelta(days=safety.inspection_interval_days[equipment_type])


def inspection_overdue(*, due_on: date, today: date) -> bool:
    return today > due_on


def expiry_state(*, expires_on: date | None, today: date, safety: Any) -> str | None:
    """``"expired"`` from the expiry day itself (it may not be relied on that day), ``"expiring"`` within
    ``expiry_warning_days`` before it (boundary included), else None (no date, or far away)."""
    if expires_on is None:
        return None
    if today >= expires_on:
        return "expired"
    if (expires_on - today).days <= safety.expiry_warning_days:
        return "expiring"
    return None


def respond_by(*, severity: str, triaged_at: datetime, safety: Any) -> datetime:
    """When staff must have responded to an incident triaged at ``triaged_at`` with ``severity``."""
    return triaged_at + timedelta(minutes=safety.incident_response_minutes[severity])


def response_overdue(*, respond_by: datetime | None, status: str, now: datetime) -> bool:
    """An open incident past its response deadline (a deadline met to the minute is not overdue)."""
    return respond_by is not None and status in OPEN_INCIDENT_STATUSES and now > respond_by


def is_serious(severity: str) -> bool:
    return severity in SERIOUS_SEVERITIES


def drills_short(*, held: int, safety: Any) -> int:
    """Drills still missing this year against ``min_drills_per_year`` (0 when the minimum is met)."""
    return max(int(safety.min_drills_per_year) - held, 0)


def missing_patrols(
    *, starts_at: datetime, ends_at: datetime, walked: list[datetime], now: datetime, interval_minutes: int
) -> list[tuple[datetime, datetime]]:
    """The gaps of a shift longer than the patrol interval with no round walked (第七章第二条 加强巡逻):
    each window (from, until) in which a round was due but none was recorded. Only the part of the
    shift up to ``now`` is judged; a gap of exactly the interval is fine."""
    interval = timedelta(minutes=interval_minutes)
    until = min(ends_at, now)
    gaps = []
    previous = starts_at
    for moment in sorted(m for m in walked if starts_at <= m <= until):
        if moment - previous > interval:
            gaps.append((previous + interval, moment))
        previous = moment
    if until - previous > interval:
        gaps.append((previous + interval, until))
    return gaps
