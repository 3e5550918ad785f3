"""Reads of the working-day calendar: every deadline of the project comes from here (RULEBOOK §2).

``add_working_days`` and ``deadline`` load the calendar of the years they may
touch (two queries); batch jobs load it once with :func:`work_calendar` and call
the methods of :class:`~opc_community.workdays.rules.WorkCalendar` directly.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community.workdays.models import CalendarYear, SpecialDay
from opc_community.workdays.registry import deadline_kinds
from opc_community.workdays.rules import Deadline, WorkCalendar, WorkingDay, local_date

# Working days per year are ~250: a span of n working days stays within n // 200 + 1 years.
_DAYS_PER_YEAR_LOWER_BOUND = 200


def work_calendar(first_year: int, last_year: int) -> WorkCalendar:
    """The calendar of the years ``first_year``..``last_year`` (queries: special days; loaded years)."""
    holidays: set[date] = set()
    workdays: set[date] = set()
    rows = SpecialDay.objects.filter(date__year__gte=first_year, date__year__lte=last_year)
    for day, kind in rows.values_list("date", "kind"):
        (holidays if kind == SpecialDay.Kind.HOLIDAY else workdays).add(day)
    loaded = CalendarYear.objects.filter(year__gte=first_year, year__lte=last_year).values_list("year", flat=True)
    return WorkCalendar(frozenset(holidays), frozenset(workdays), frozenset(loaded))


def calendar_for_periods(periods: Iterable[tuple[date, int]]) -> WorkCalendar:
    """The calendar of every year that ``n`` working days after each ``day`` may reach (two queries)."""
    periods = list(periods)
    if not periods:
        return WorkCalendar()
    first = min(day.year for day, _n in periods)
    last = max(day.year + n // _DAYS_PER_YEAR_LOWER_BOUND + 1 for day, n in periods)
    return work_calendar(first, last)


def add_working_days(day: date, n: int) -> WorkingDay:
    """The n-th working day after ``day`` (``day`` itself never counts)."""
    return calendar_for_periods([(day, n)]).add_working_days(day, n)


def deadline(event_at: datetime, n: int) -> Deadline:
    """End (23:59:59 Asia/Shanghai) of the n-th working day after the event's local date."""
    return calendar_for_periods([(local_date(event_at), n)]).deadline(event_at, n)


def working_days_left(until: date, *, today: date | None = None) -> int:
    """Working days from today to ``until`` ("还剩 N 个工作日"); negative once overdue."""
    today = today or timezone.localdate()
    first, last = sorted((today, until))
    return work_calendar(first.year, last.year).working_days_between(today, until)


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
