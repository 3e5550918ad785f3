"""Reads of quarterly inputs (第六章第一条): the resident's own quarters, one input with its files,
a quarter's inputs for staff and the Excel sheet. Each read has a fixed number of queries."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from residents.models import Resident
from scoring import quarters
from scoring.models import (
    AwardClaim,
    Contribution,
    InputEvidence,
    InputStatus,
    Quarter,
    QuarterInput,
    QuarterPlan,
    QuarterStatus,
)

#: Files a resident or staff member may download, by the name used in URLs.
FILE_KINDS: dict[str, tuple[type, str]] = {
    "award": (AwardClaim, "certificate"),
    "contribution": (Contribution, "proof"),
    "evidence": (InputEvidence, "file"),
}


def cohort(quarter: Quarter) -> QuerySet[Resident]:
    """Residents checked in at some moment of the quarter (the run's cohort)."""
    start, end = quarters.bounds(quarter.year, quarter.number)
    return Resident.objects.filter(checked_in_at__lt=end).filter(
        Q(exited_on__isnull=True) | Q(exited_on__gte=start.date())
    )


def in_cohort(quarter: Quarter, resident: Resident) -> bool:
    """The same test for one resident, without a query."""
    start, end = quarters.bounds(quarter.year, quarter.number)
    return (
        resident.checked_in_at is not None and resident.checked_in_at < end
        and (resident.exited_on is None or resident.exited_on >= start.date())
    )


@dataclass(frozen=True)
class QuarterLine:
    quarter: Quarter
    input: QuarterInput | None


def quarters_of(resident: Resident) -> list[QuarterLine]:
    """The quarters the resident was (or is) checked in for, newest first, with its input (2 queries)."""
    if resident.checked_in_at is None:
        return []
    lines = []
    inputs = {data.quarter_id: data for data in QuarterInput.objects.filter(resident=resident)}
    for quarter in Quarter.objects.order_by("-year", "-number"):
        if in_cohort(quarter, resident):
            lines.append(QuarterLine(quarter, inputs.get(quarter.pk)))
    return lines


def with_attachments(queryset: QuerySet[QuarterInput]) -> QuerySet[QuarterInput]:
    return queryset.select_related("quarter", "resident", "verified_by").prefetch_related(
        Prefetch("awards", queryset=AwardClaim.objects.order_by("id")),
        Prefetch("contributions", queryset=Contribution.objects.order_by("id")),
        Prefetch("evidence", queryset=InputEvidence.objects.order_by("id")),
    )


def input_of(resident: Resident, quarter: Quarter) -> QuarterInput | None:
    """The resident's own input with its awards, contributions and evidence (4 queries), or None."""
    return with_attachments(QuarterInput.objects.filter(resident=resident, quarter=quarter)).first()


def own_file(resident: Resident, kind: str, pk: int) -> tuple[object, str] | None:
    """An award certificate, contribution proof or evidence file of the resident's own inputs, else None."""
    if kind not in FILE_KINDS:
        return None
    model, field = FILE_KINDS[kind]
    item = model.objects.select_related("input").filter(pk=pk, input__resident=resident).first()
    return (item, field) if item is not None else None


def staff_list(queryset: QuerySet[QuarterInput]) -> QuerySet[QuarterInput]:
    """The admin list: resident, quarter and checker in one query, with the number of claims."""
    return queryset.select_related("quarter", "resident", "verified_by").annotate(
        award_count=Count("awards", distinct=True), contribution_count=Count("contributions", distinct=True)
    )


@dataclass(frozen=True)
class SheetRow:
    resident: Resident
    input: QuarterInput | None
    plan: QuarterPlan | None


def sheet_rows(quarter: Quarter) -> list[SheetRow]:
    """Every resident of the quarter's cohort with its results and plan (empty when none): the Excel sheet
    (3 queries)."""
    inputs = {data.resident_id: data for data in staff_list(QuarterInput.objects.filter(quarter=quarter))}
    plans = {plan.resident_id: plan for plan in QuarterPlan.objects.filter(quarter=quarter)}
    return [SheetRow(resident, inputs.get(resident.pk), plans.get(resident.pk))
            for resident in cohort(quarter).order_by("name", "pk")]


def open_quarters() -> QuerySet[Quarter]:
    return Quarter.objects.filter(status=QuarterStatus.OPEN)


@dataclass(frozen=True)
class OpenQuarter:
    """A quarter the resident may still report on, with the state of its own input."""

    quarter: Quarter
    status: InputStatus | None  # None: nothing entered yet


def open_quarters_of(resident: Resident, *, today: date) -> list[OpenQuarter]:
    """The quarters the resident may still report on today, nearest deadline first (1 query): open — or
    already drafted by the scheduled run, which does not close the inputs — with the deadline not passed
    (``services.inputs.open_for_residents``, as a filter), and the resident checked in during them."""
    status = QuarterInput.objects.filter(quarter=OuterRef("pk"), resident=resident).values("status")[:1]
    found = (
        Quarter.objects.filter(status__in=(QuarterStatus.OPEN, QuarterStatus.DRAFTED), inputs_due_on__gte=today)
        .annotate(input_status=Subquery(status))
        .order_by("inputs_due_on", "year", "number")
    )
    return [
        OpenQuarter(quarter, InputStatus(quarter.input_status) if quarter.input_status else None)
        for quarter in found
        if in_cohort(quarter, resident)
    ]
