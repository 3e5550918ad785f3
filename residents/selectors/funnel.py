"""The intake funnel and retention by month and by source (第二章第二条1 招商入驻组: 入驻率、留存).

**Conversion** counts the applications *submitted* in a month (the month's cohort) and, of them, how
many were approved, signed their agreement (accepted) and checked in — so a month's funnel keeps
filling in as its applications move on. **Retention** counts what happened in the month: renewals
approved, and completed exits by kind (by the day the agreement ended). The **source** is where an
application came from: the portal, or a paper form entered by staff (``entered_by``); a resident's
renewals and exits count under the source of its application. Decisions: docs/residents.md.

Three aggregate queries whatever the number of months or applications (set-based, no row loop).
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Case, CharField, Count, Q, Value, When
from django.db.models.functions import TruncMonth

from residents.models import (
    Application,
    ApplicationStatus,
    Exit,
    ExitKind,
    ExitStatus,
    RenewalRequest,
    RenewalStatus,
)

PORTAL, PAPER = "portal", "paper"
SOURCES = (PORTAL, PAPER)
EXIT_KINDS = tuple(ExitKind.values)


@dataclass
class MonthLine:
    """One month's figures (one source, or both)."""

    month: date
    applications: int = 0
    approved: int = 0
    signed: int = 0
    checked_in: int = 0
    renewed: int = 0
    exits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EXIT_KINDS, 0))

    @property
    def exited(self) -> int:
        return sum(self.exits.values())

    @property
    def conversion(self) -> float | None:
        """Checked in as a share of the applications (percent), None without applications."""
        return round(100 * self.checked_in / self.applications, 1) if self.applications else None

    def add(self, other: "MonthLine") -> None:
        self.applications += other.applications
        self.approved += other.approved
        self.signed += other.signed
        self.checked_in += other.checked_in
        self.renewed += other.renewed
        for kind, n in other.exits.items():
            self.exits[kind] += n


@dataclass
class Funnel:
    """``months`` (oldest first) per source and for both; ``total`` per source and for both ("")."""

    months: list[date]
    by_source: dict[str, list[MonthLine]]
    total: dict[str, MonthLine]

    def lines(self, source: str = "") -> list[MonthLine]:
        return self.by_source[source]


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def month_range(first: date, last: date) -> list[date]:
    """The first days of the months from ``first``'s to ``last``'s, both included."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def _source(path: str) -> Case:
    return Case(When(**{f"{path}entered_by__isnull": True}, then=Value(PORTAL)), default=Value(PAPER),
                output_field=CharField())


def _month(value: object) -> date:
    return value.date() if hasattr(value, "date") else value  # type: ignore[return-value]


def funnel(*, first: date, last: date) -> Funnel:
    """The funnel of the months from ``first``'s to ``last``'s (three queries)."""
    months = month_range(first, last)
    start, end = months[0], next_month(months[-1])
    lines = {source: {month: MonthLine(month) for month in months} for source in SOURCES}

    applications = (
        Application.objects.filter(submitted_at__date__gte=start, submitted_at__date__lt=end)
        .annotate(month=TruncMonth("submitted_at"), source=_source(""))
        .values("month", "source")
        .annotate(
            applications=Count("pk", distinct=True),
            approved=Count("pk", distinct=True, filter=Q(status=ApplicationStatus.APPROVED)),
            signed=Count("pk", distinct=True, filter=Q(resident__agreements__accepted_at__isnull=False)),
            checked_in=Count("pk", distinct=True, filter=Q(resident__checked_in_at__isnull=False)),
        )
    )
    for row in applications:
        line = lines[row["source"]].get(_month(row["month"]))
        if line is not None:
            line.applications, line.approved = row["applications"], row["approved"]
            line.signed, line.checked_in = row["signed"], row["checked_in"]

    renewals = (
        RenewalRequest.objects.filter(status=RenewalStatus.APPROVED, decided_at__date__gte=start,
                                      decided_at__date__lt=end)
        .annotate(month=TruncMonth("decided_at"), source=_source("resident__application__"))
        .values("month", "source").annotate(n=Count("pk"))
    )
    for row in renewals:
        line = lines[row["source"]].get(_month(row["month"]))
        if line is not None:
            line.renewed = row["n"]

    exits = (
        Exit.objects.filter(status=ExitStatus.COMPLETED, exit_on__gte=start, exit_on__lt=end)
        .annotate(month=TruncMonth("exit_on"), source=_source("resident__application__"))
        .values("month", "source", "kind").annotate(n=Count("pk"))
    )
    for row in exits:
        line = lines[row["source"]].get(_month(row["month"]))
        if line is not None:
            line.exits[row["kind"]] = row["n"]

    by_source = {source: [lines[source][month] for month in months] for source in SOURCES}
    both = []
    for month in months:
        line = MonthLine(month)
        for source in SOURCES:
            line.add(lines[source][month])
        both.append(line)
    by_source[""] = both
    total = {}
    for source, source_lines in by_source.items():
        line = MonthLine(months[0])
        for month_line in source_lines:
            line.add(month_line)
        total[source] = line
    return Funnel(months=months, by_source=by_source, total=total)
