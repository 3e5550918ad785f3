"""The monthly discipline report for staff: cases by kind, fines issued and paid, appeals upheld, with
a chart and an Excel export (第八章第二条).

One calendar month in Asia/Shanghai. Definitions — what each figure counts:

- **Cases by kind and status**: cases *opened* in the month (``found_at``), by violation kind
  (name and category from the rulebook in force on the month's last day) and by their status
  now. The groups of the chart: in progress (found … not rectified), penalties (decided,
  published, confirmed — what counts for escalation and renewal), set aside (annulled on
  appeal, dismissed as not verified).
- **Fines issued**: fine invoices (``InvoiceKind.FINE``, the form every fine takes in the
  ledger) *issued* in the month: how many and their sum.
- **Fines paid**: payments on fine invoices *received* in the month (``paid_on``), whichever
  month the fine was issued in; a reversal is a negative payment and nets out.
- **Suspensions opened**: suspensions *starting* in the month, by scope.
- **Forced exits**: forced exits (``ExitKind.FORCED``) whose agreement ended in the month.
- **Appeals**: appeals *submitted* in the month, with their outcome now (upheld, dismissed,
  pending); of those answered, on time (by ``answer_due_at``, the 3 working days of
  第八章第二条) or late; of those pending, already past their answer time ("overdue").

Set-based: seven queries whatever the number of cases (:func:`monthly_report`; the rulebook,
the cases grouped by kind and status, the fine invoices, the fine payments, the suspensions
grouped by scope, the forced exits, the appeals), all aggregated by the database.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from discipline.models import (
    COUNTING_STATUSES,
    Appeal,
    AppealStatus,
    CaseStatus,
    Suspension,
    SuspensionScope,
    ViolationCase,
)
from opc_community import rulebook
from opc_community.accounts.roles import Role
from opc_community.core.errors import DomainError

ZERO = Decimal("0.00")

#: Who reads the report, page and API (RULEBOOK §1: the daily management team runs the cases, the
#: administrator decides, oversight reads everything); read-only for all of them.
REPORT_ROLES = (Role.DAILY, Role.ADMINISTRATOR, Role.OVERSIGHT)

#: The chart's three groups of statuses (see the module docstring), in the order they are drawn.
IN_PROGRESS = (
    CaseStatus.FOUND, CaseStatus.VERIFIED, CaseStatus.NOTICE_ISSUED, CaseStatus.RECTIFIED, CaseStatus.NOT_RECTIFIED,
)
SET_ASIDE = (CaseStatus.ANNULLED, CaseStatus.DISMISSED)
STATUS_GROUPS = (("in_progress", IN_PROGRESS), ("penalties", COUNTING_STATUSES), ("set_aside", SET_ASIDE))


def parse_month(value: str | None, *, today: date | None = None) -> date:
    """"2026-10" → date(2026, 10, 1); empty → this month; anything else → DomainError on ``month``."""
    if not value:
        return (today or timezone.localdate()).replace(day=1)
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", value.strip())
    if match is None or int(match[1]) < 2000 or not 1 <= int(match[2]) <= 12:
        raise DomainError(_("Give the month as YYYY-MM, e.g. 2026-10."), field="month")
    return date(int(match[1]), int(match[2]), 1)


def shift_month(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[first moment, first moment of the next month) of ``month`` in Asia/Shanghai, as aware datetimes."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(month.replace(day=1), time.min, tzinfo=zone)
    return start, datetime.combine(shift_month(month, 1), time.min, tzinfo=zone)


@dataclass(frozen=True)
class KindLine:
    """One violation kind (``code`` empty for the total line) with its cases by status."""

    code: str
    label: str
    by_status: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def count(self, *statuses: str) -> int:
        return sum(self.by_status.get(status, 0) for status in statuses)

    @property
    def groups(self) -> dict[str, int]:
        """Cases per chart group: in progress, penalties, set aside."""
        return {name: self.count(*statuses) for name, statuses in STATUS_GROUPS}

    @property
    def cells(self) -> list[int]:
        """The counts in the order of :data:`CaseStatus` (table and Excel columns)."""
        return [self.by_status.get(status, 0) for status in CaseStatus.values]


@dataclass(frozen=True)
class AppealFigures:
    submitted: int = 0
    upheld: int = 0
    dismissed: int = 0
    pending: int = 0
    on_time: int = 0
    late: int = 0
    overdue: int = 0  # pending and past the answer time now


@dataclass(frozen=True)
class MonthlyReport:
    month: date
    kinds: list[KindLine]
    total: KindLine
    fines_issued_count: int
    fines_issued: Decimal
    fines_paid_count: int
    fines_paid: Decimal
    suspensions_by_scope: dict[str, int]
    forced_exits: int
    appeals: AppealFigures
    rulebook_version: int
    generated_at: datetime
    statuses: list[tuple[str, str]] = field(default_factory=lambda: list(CaseStatus.choices))

    @property
    def suspensions(self) -> int:
        return sum(self.suspensions_by_scope.values())

    @property
    def summary(self) -> list[tuple[str, Any, str]]:
        """(label, value, kind) lines of the key figures, for the page and the Excel sheet."""
        return [
            (_("cases opened"), self.total.total, "number"),
            (_("penalties (decided, published, confirmed)"), self.total.groups["penalties"], "number"),
            (_("fines issued"), self.fines_issued_count, "number"),
            (_("fines issued (sum)"), self.fines_issued, "money"),
            (_("payments received on fines"), self.fines_paid_count, "number"),
            (_("fines paid (sum)"), self.fines_paid, "money"),
            (_("suspensions opened"), self.suspensions, "number"),
            (_("forced exits"), self.forced_exits, "number"),
            (_("appeals submitted"), self.appeals.submitted, "number"),
            (_("appeals upheld (penalty annulled)"), self.appeals.upheld, "number"),
            (_("appeals dismissed"), self.appeals.dismissed, "number"),
            (_("appeals awaiting an answer"), self.appeals.pending, "number"),
            (_("appeals answered on time"), self.appeals.on_time, "number"),
            (_("appeals answered late"), self.appeals.late, "number"),
            (_("appeals overdue (no answer yet, past the deadline)"), self.appeals.overdue, "number"),
        ]


def _kind_label(code: str, book: Any) -> str:
    kind = book.violations.kinds.get(code)
    return f"{code} {kind.name}（{kind.category}）" if kind is not None else code


def kind_order(code: str) -> tuple[int, str]:
    """The penalty table's order: 1a, 1b, …, 2a, …, 7, 8 (the stored rulebook does not keep key order)."""
    match = re.match(r"(\d+)(.*)", code)
    return (int(match[1]), match[2]) if match else (10**6, code)


def cases_opened_in(month: date) -> QuerySet[ViolationCase]:
    start, end = month_bounds(month)
    return ViolationCase.objects.filter(found_at__gte=start, found_at__lt=end)


def monthly_report(month: date, *, now: datetime | None = None) -> MonthlyReport:
    """The figures of ``month`` (see the module docstring); seven queries whatever the number of rows."""
    from residents.models import Exit, ExitKind, Invoice, InvoiceKind, Payment

    now = now or timezone.now()
    month = month.replace(day=1)
    start, end = month_bounds(month)
    last_day = shift_month(month, 1).toordinal() - 1
    book = rulebook.in_force(on=date.fromordinal(last_day))  # 1: the kinds' names

    by_kind: dict[str, dict[str, int]] = {}
    grouped = cases_opened_in(month).order_by().values("kind", "status").annotate(n=Count("id"))  # 2
    for row in grouped:
        by_kind.setdefault(row["kind"], {})[row["status"]] = row["n"]
    kinds = [
        KindLine(code=code, label=_kind_label(code, book), by_status=counts)
        for code, counts in sorted(by_kind.items(), key=lambda item: kind_order(item[0]))
    ]
    totals: dict[str, int] = {}
    for line in kinds:
        for status, n in line.by_status.items():
            totals[status] = totals.get(status, 0) + n

    fines = Invoice.objects.filter(
        kind=InvoiceKind.FINE, issued_on__gte=month, issued_on__lt=shift_month(month, 1)
    ).aggregate(n=Count("id"), total=Sum("amount"))  # 3
    paid = Payment.objects.filter(
        invoice__kind=InvoiceKind.FINE, paid_on__gte=month, paid_on__lt=shift_month(month, 1)
    ).aggregate(n=Count("id", filter=Q(amount__gt=0)), total=Sum("amount"))  # 4
    scopes = dict(
        Suspension.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .order_by().values_list("scope").annotate(n=Count("id"))
    )  # 5
    forced = Exit.objects.filter(
        kind=ExitKind.FORCED, exit_on__gte=month, exit_on__lt=shift_month(month, 1)
    ).count()  # 6
    appeals = Appeal.objects.filter(submitted_at__gte=start, submitted_at__lt=end).aggregate(  # 7
        submitted=Count("id"),
        upheld=Count("id", filter=Q(status=AppealStatus.UPHELD)),
        dismissed=Count("id", filter=Q(status=AppealStatus.DISMISSED)),
        pending=Count("id", filter=Q(status=AppealStatus.PENDING)),
        on_time=Count("id", filter=Q(decided_at__isnull=False, decided_at__lte=F("answer_due_at"))),
        late=Count("id", filter=Q(decided_at__gt=F("answer_due_at"))),
        overdue=Count("id", filter=Q(status=AppealStatus.PENDING, answer_due_at__lt=now)),
    )
    return MonthlyReport(
        month=month,
        kinds=kinds,
        total=KindLine(code="", label=_("All kinds"), by_status=totals),
        fines_issued_count=fines["n"],
        fines_issued=fines["total"] or ZERO,
        fines_paid_count=paid["n"],
        fines_paid=paid["total"] or ZERO,
        suspensions_by_scope={scope: scopes.get(scope, 0) for scope in SuspensionScope.values},
        forced_exits=forced,
        appeals=AppealFigures(**appeals),
        rulebook_version=book.version,
        generated_at=now,
    )


def month_cases(month: date) -> QuerySet[ViolationCase]:
    """The cases opened in the month, one line each, for the Excel export (one query)."""
    return cases_opened_in(month).select_related("resident", "notice").order_by("found_at", "id")
