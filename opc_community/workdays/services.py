"""Changes of the working-day calendar (RULEBOOK §2), and what they do to stored deadlines.

Every change — a day edited in the admin, a year loaded from a file or from the chinesecalendar
package — goes through a service here, which, **in the same transaction**, recomputes every open
provisional deadline of every registered kind (``workdays.registry``) and writes a
:class:`~opc_community.workdays.models.CalendarChange` saying how many moved, per kind. Either the
new calendar and the deadlines that follow from it are committed together, or neither is: a
deadline is never left computed from a calendar that no longer holds. (A job would leave a window
in which pages show deadlines of the old calendar; a calendar change is rare and the recompute
costs one read and one batched write per kind.)
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from opc_community.accounts.actors import Actor
from opc_community.core.audit import acting_as
from opc_community.workdays import cached, registry
from opc_community.workdays.files import Day
from opc_community.workdays.models import CalendarChange, CalendarYear, SpecialDay
from opc_community.workdays.package import load_into
from opc_community.workdays.rules import Deadline, local_date
from opc_community.workdays.selectors import work_calendar

# --- Recomputing stored deadlines (used by the apps' registered recompute functions) ---------------


@dataclass(frozen=True)
class DeadlineField:
    """One stored deadline of a model: where it is, when its period started, how long it is.

    ``working_days`` is a field of the row holding the length (a publication's window) or a
    function of the start's date (the rulebook version in force that day). ``open`` selects the
    rows that still wait on this deadline (e.g. a complaint not yet responded to).
    """

    due: str
    start: str  # a field or an annotation of the queryset
    working_days: str | Callable[[date], int]
    open: Q | None = None  # None: every row of the queryset


@dataclass(frozen=True)
class Move:
    """A stored deadline that a calendar change moved."""

    pk: int
    due: str
    old: datetime
    new: datetime


def recompute_deadlines(
    queryset: QuerySet[Any], *, provisional: str, fields: Sequence[DeadlineField]
) -> tuple[list[Move], registry.Recomputed]:
    """Compute the open deadlines of the provisional rows of ``queryset`` again from their events,
    with the calendar as it now stands, and store them and the provisional flag (RULEBOOK §2).

    Set-based: one locking read of the rows, the calendar (two queries after a change of it),
    then one batched UPDATE of the rows that changed. A row is provisional afterwards when one of
    its open deadlines still reaches into a year without a loaded schedule.
    """
    opens = {
        f"_open_{index}": Value(True) if field.open is None
        else Case(When(field.open, then=Value(True)), default=Value(False), output_field=BooleanField())
        for index, field in enumerate(fields)
    }
    columns = {field.due for field in fields} | {field.start for field in fields}
    columns |= {field.working_days for field in fields if isinstance(field.working_days, str)}
    rows = list(
        queryset.filter(**{provisional: True}).select_for_update(no_key=True, of=("self",))
        .annotate(**opens).values("pk", *sorted(columns), *opens)
    )
    if not rows:
        return [], registry.Recomputed()
    # The open deadlines as (row number, field, start, working days); a row's others stay as stored.
    periods = [
        (number, field, row[field.start], _length(field, row))
        for number, row in enumerate(rows)
        for index, field in enumerate(fields)
        if row[f"_open_{index}"] and row[field.start] is not None
    ]
    calendar = work_calendar()
    found: dict[int, dict[str, Deadline]] = defaultdict(dict)
    for number, field, start, length in periods:
        found[number][field.due] = calendar.deadline(start, length)
    moves: list[Move] = []
    changed: list[Any] = []
    settled = 0
    for number, row in enumerate(rows):
        mine = found[number]
        still_provisional = any(deadline.provisional for deadline in mine.values())
        moved = {name: deadline.at for name, deadline in mine.items() if deadline.at != row[name]}
        moves.extend(Move(row["pk"], name, row[name], at) for name, at in moved.items())
        settled += not still_provisional
        if moved or not still_provisional:
            stored = {field.due: row[field.due] for field in fields}
            changed.append(queryset.model(pk=row["pk"], **{**stored, **moved, provisional: still_provisional}))
    if changed:
        queryset.model.objects.bulk_update(
            changed, sorted({field.due for field in fields} | {provisional}), batch_size=1000
        )
    return moves, registry.Recomputed(deadlines=len(periods), moved=len(moves), settled=settled)


def _length(field: DeadlineField, row: dict[str, Any]) -> int:
    if isinstance(field.working_days, str):
        return int(row[field.working_days])
    return field.working_days(local_date(row[field.start]))


# --- Calendar changes ------------------------------------------------------------------------------


def _recompute_and_record(*, actor: Actor | None, source: str, summary: str) -> CalendarChange:
    """Recompute every registered kind's open provisional deadlines and record the change."""
    cached.changed()  # the recompute reads the new calendar; other processes reload it after the commit
    results: dict[str, dict[str, int]] = {}
    for kind in registry.deadline_kinds():
        results[kind.key] = kind.recompute().as_dict()
    return CalendarChange.objects.create(
        actor=actor, source=source, summary=summary, results=results,
        moved=sum(result["moved"] for result in results.values()),
    )


@transaction.atomic
def special_day_save(*, day: SpecialDay, actor: Actor) -> CalendarChange:
    """Add or correct one holiday or adjusted working day (the admin validated it)."""
    created = day.pk is None
    with acting_as(actor, action="workdays.special_day_save"):
        day.save()
        template = _("Added %(day)s.") if created else _("Changed %(day)s.")
        return _recompute_and_record(actor=actor, source=CalendarChange.Source.ADMIN,
                                     summary=template % {"day": _describe(day)})


@transaction.atomic
def special_days_delete(*, days: Iterable[SpecialDay], actor: Actor) -> CalendarChange:
    days = list(days)
    with acting_as(actor, action="workdays.special_days_delete"):
        SpecialDay.objects.filter(pk__in=[day.pk for day in days]).delete()
        return _recompute_and_record(
            actor=actor, source=CalendarChange.Source.ADMIN,
            summary=_("Removed %(days)s.") % {"days": "、".join(_describe(day) for day in days)},
        )


@transaction.atomic
def calendar_year_save(*, calendar_year: CalendarYear, actor: Actor) -> CalendarChange:
    """Mark a year's schedule as loaded (its deadlines stop being provisional) or edit its note."""
    created = calendar_year.pk is None
    with acting_as(actor, action="workdays.calendar_year_save"):
        calendar_year.save()
        template = _("Marked %(year)d as loaded.") if created else _("Changed the loaded year %(year)d.")
        return _recompute_and_record(actor=actor, source=CalendarChange.Source.ADMIN,
                                     summary=template % {"year": calendar_year.year})


@transaction.atomic
def calendar_years_delete(*, years: Iterable[CalendarYear], actor: Actor) -> CalendarChange:
    numbers = sorted(year.year for year in years)
    with acting_as(actor, action="workdays.calendar_years_delete"):
        CalendarYear.objects.filter(year__in=numbers).delete()
        return _recompute_and_record(
            actor=actor, source=CalendarChange.Source.ADMIN,
            summary=_("Marked %(years)s as not loaded.") % {"years": "、".join(map(str, numbers))},
        )


@dataclass(frozen=True)
class YearDiff:
    """What loading a schedule changes in a year: days added, removed, and changed (before, after)."""

    added: list[Day]
    removed: list[Day]
    changed: list[tuple[Day, Day]]

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed or self.changed)


def year_diff(*, year: int, days: Sequence[Day]) -> YearDiff:
    """Compare a schedule with the days stored for its year (one query)."""
    stored = {
        day: Day(day, kind, name)
        for day, kind, name in SpecialDay.objects.filter(date__year=year).values_list("date", "kind", "name")
    }
    incoming = {day.date: day for day in days}
    return YearDiff(
        added=[day for key, day in sorted(incoming.items()) if key not in stored],
        removed=[day for key, day in sorted(stored.items()) if key not in incoming],
        changed=[(stored[key], day) for key, day in sorted(incoming.items()) if key in stored and stored[key] != day],
    )


@transaction.atomic
def year_load(*, year: int, days: Sequence[Day], actor: Actor, note: str = "") -> CalendarChange:
    """Replace the special days of ``year`` with ``days`` and mark the year loaded, all or nothing.

    The days come from ``files.parse_schedule`` (checked line by line); a year must not be given
    days of another year.
    """
    if any(day.date.year != year for day in days):
        raise ValueError("every day must be in the loaded year")
    diff = year_diff(year=year, days=days)
    with acting_as(actor, action="workdays.year_load"):
        SpecialDay.objects.filter(date__year=year).delete()
        SpecialDay.objects.bulk_create(SpecialDay(date=day.date, kind=day.kind, name=day.name) for day in days)
        CalendarYear.objects.update_or_create(
            year=year, defaults={"source": CalendarYear.Source.STAFF, "note": note[:200]}
        )
        summary = _(
            "Loaded %(year)d from a file: %(count)d special days (%(added)d added, %(removed)d removed, "
            "%(changed)d changed)."
        ) % {"year": year, "count": len(days), "added": len(diff.added), "removed": len(diff.removed),
             "changed": len(diff.changed)}
        return _recompute_and_record(actor=actor, source=CalendarChange.Source.FILE, summary=summary)


def year_load_preview(*, year: int, days: Sequence[Day], actor: Actor) -> CalendarChange:
    """What :func:`year_load` would do, deadlines included, without keeping any of it: the load runs
    in a transaction that is rolled back, so the preview counts exactly what the load will move."""
    with transaction.atomic():
        change = year_load(year=year, days=days, actor=actor)
        transaction.set_rollback(True)
    return change


@transaction.atomic
def package_load(*, years: list[int] | None, actor: Actor | None = None) -> tuple[list[int], CalendarChange | None]:
    """(Re)load official schedules from the chinesecalendar package (``manage.py load_holidays``)."""
    with acting_as(actor, command="load_holidays"):
        loaded = load_into(CalendarYear, SpecialDay, years)
        if not loaded:
            return loaded, None
        summary = _("Loaded %(years)s from the chinesecalendar package.") % {
            "years": f"{loaded[0]}–{loaded[-1]}" if len(loaded) > 1 else str(loaded[0])}
        return loaded, _recompute_and_record(actor=actor, source=CalendarChange.Source.PACKAGE, summary=summary)


def _describe(day: SpecialDay) -> str:
    return f"{date_format(day.date, 'DATE_FORMAT')} {day.name}（{day.get_kind_display()}）"

