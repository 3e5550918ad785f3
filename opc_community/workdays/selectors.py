"""Reads of the working-day calendar: every deadline of the project comes from here (RULEBOOK §2).

The calendar is held once per process (``workdays.cached``): ``add_working_days``, ``deadline`` and
``working_days_left`` cost no query while it holds, two when a calendar change makes it load again.
Loops fetch it once with :func:`work_calendar` and call the methods of
:class:`~opc_community.workdays.rules.WorkCalendar` directly.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community.workdays import cached
from opc_community.workdays.models import CalendarYear
from opc_community.workdays.registry import deadline_kinds
from opc_community.workdays.rules import Deadline, WorkCalendar, WorkingDay


def work_calendar() -> WorkCalendar:
    """The whole working-day calendar (no query while this process holds the current one, else two)."""
    return cached.calendar()


def add_working_days(day: date, n: int) -> WorkingDay:
    """The n-th working day after ``day`` (``day`` itself never counts)."""
    return work_calendar().add_working_days(day, n)


def deadline(event_at: datetime, n: int) -> Deadline:
    """End (23:59:59 Asia/Shanghai) of the n-th working day after the event's local date."""
    return work_calendar().deadline(event_at, n)


def working_days_left(until: date, *, today: date | None = None) -> int:
    """Working days from today to ``until`` ("还剩 N 个工作日"); negative once overdue."""
    return work_calendar().working_days_between(today or timezone.localdate(), until)


def calendar_warnings(*, today: date | None = None) -> list[dict[str, str]]:
    """From 1 November, warn staff when next year's official schedule is not loaded (RULEBOOK §2)."""
    today = today or timezone.localdate()
    next_year = today.year + 1
    if today.month < 11 or CalendarYear.objects.filter(year=next_year).exists():
        return []
    message = _(
        "The official holiday schedule of %(year)s is not loaded yet: deadlines that reach into "
        "%(year)s count Monday to Friday and are marked provisional. Load the State Council's "
        "schedule for %(year)s from a file: its provisional deadlines are then computed again."
    ) % {"year": next_year}
    return [{"level": "warning", "message": message, "link": reverse("admin:workdays_calendaryear_changelist")}]


@dataclass(frozen=True)
class ProvisionalCount:
    label: Any
    count: int


@dataclass(frozen=True)
class ProvisionalSummary:
    total: int
    lines: list[ProvisionalCount]  # the kinds with any


def provisional_summary() -> ProvisionalSummary:
    """Open deadlines still provisional, per registered kind (one COUNT query per kind)."""
    counts = [ProvisionalCount(kind.label, kind.open_provisional().count()) for kind in deadline_kinds()]
    return ProvisionalSummary(sum(line.count for line in counts), [line for line in counts if line.count])
