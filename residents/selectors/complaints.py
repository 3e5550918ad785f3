"""Reads of complaints and requests (第四章第四条): the resident's own, the staff queue, the SLA report.

Every page reads through here with a fixed number of queries whatever the number
of complaints: related rows are joined (``select_related``) or prefetched, the
working-day calendar is loaded once per page (two queries) and the countdowns are
computed in Python by ``residents.rules.complaints``. The SQL filters mirror the
pure rules (``overdue_cutoff``, ``next_due``), so the queue, the task, the API
and the report agree on what is overdue.
"""

from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from django.db.models import Case, DateTimeField, F, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from opc_community.core.desk import Tally, tally_of, tomorrow_starts
from opc_community.workdays.rules import WorkCalendar
from opc_community.workdays.selectors import work_calendar
from residents.models import (
    Complaint,
    ComplaintCategory,
    ComplaintMessage,
    ComplaintStatus,
    MessageKind,
    Resident,
)
from residents.rules import complaints as rules

# --- Shapes of querysets ---------------------------------------------------------------------

#: The deadline the team works against (rules.next_due, in SQL): response while open,
#: solution while in progress, none once a solution is given.
NEXT_DUE_AT = Case(
    When(status=ComplaintStatus.OPEN, then=F("response_due_at")),
    When(status=ComplaintStatus.IN_PROGRESS, then=F("solution_due_at")),
    default=Value(None),
    output_field=DateTimeField(),
)


#: The queue's order: the earliest next deadline first, then complaints waiting for the resident,
#: newest filing first.
QUEUE_ORDER = (F("next_due_at").asc(nulls_last=True), "-filed_at", "-id")


def response_overdue_q(now: datetime) -> Q:
    """Not responded and the response's due day is over (rules.is_overdue_now)."""
    return Q(responded_at__isnull=True, response_due_at__lt=rules.overdue_cutoff(now))


def solution_overdue_q(now: datetime) -> Q:
    """No solution in the current round and its due day is over (rules.is_overdue_now)."""
    return Q(solved_at__isnull=True, status__in=(ComplaintStatus.OPEN, ComplaintStatus.IN_PROGRESS)) & Q(
        solution_due_at__lt=rules.overdue_cutoff(now)
    )


def late_q(now: datetime) -> Q:
    """A response or a solution overdue (the complaints the desk shows red)."""
    return response_overdue_q(now) | solution_overdue_q(now)


def due_by_today_q(now: datetime) -> Q:
    """The next deadline (response while open, solution while in progress) falls by the end of today, or a
    deadline is already overdue."""
    tomorrow = tomorrow_starts(now)
    return (
        Q(status=ComplaintStatus.OPEN, response_due_at__lt=tomorrow)
        | Q(status=ComplaintStatus.IN_PROGRESS, solution_due_at__lt=tomorrow)
        | late_q(now)
    )


def desk_complaints(now: datetime) -> Tally:
    """The work desk: complaints due by today, and how many are overdue (one query)."""
    return tally_of(Complaint.objects.filter(due_by_today_q(now)), late_q(now))


def visible_messages(*, internal: bool) -> QuerySet[ComplaintMessage]:
    """The thread, oldest first; internal notes only for staff (``internal=True``)."""
    messages = ComplaintMessage.objects.select_related("author").order_by("at", "id")
    return messages if internal else messages.exclude(kind=MessageKind.NOTE)


# --- The resident's own complaints -------------------------------------------------------------


def complaints_of(resident: Resident) -> QuerySet[Complaint]:
    """The resident's own complaints, newest first. Views and the API fetch through this queryset,
    so another resident's complaint is simply not found (404)."""
    return Complaint.objects.filter(resident=resident).order_by("-filed_at", "-id")


def complaint_with_thread(queryset: QuerySet[Complaint], *, internal: bool) -> QuerySet[Complaint]:
    """Complaints with their thread prefetched as ``thread`` (notes only when ``internal``)."""
    return queryset.select_related("resident", "filed_by", "assigned_to").prefetch_related(
        Prefetch("messages", queryset=visible_messages(internal=internal), to_attr="thread")
    )


def open_complaints_card(resident: Resident, *, now: datetime | None = None) -> dict[str, Any]:
    """The portal dashboard's card "我的诉求": complaints not closed, the next deadline of each.

    Three queries whatever the number of complaints: the complaints, and the calendar (two).
    Returns ``{"items": [...], "open_count": n, "awaiting_confirmation": n, "overdue": n}``;
    each item is a complaint with ``countdown`` (None once a solution waits for the resident).
    """
    now = now or timezone.now()
    complaints = list(complaints_of(resident).exclude(status=ComplaintStatus.CLOSED))
    attach_countdowns(complaints, now=now)
    complaints.sort(key=lambda c: (c.countdown is None, c.countdown.due_at if c.countdown else c.filed_at))
    return {
        "items": complaints,
        "open_count": len(complaints),
        "awaiting_confirmation": sum(c.status == ComplaintStatus.SOLVED for c in complaints),
        "overdue": sum(bool(c.countdown and c.countdown.overdue) for c in complaints),
    }


# --- Countdowns ----------------------------------------------------------------------------------


def attach_countdowns(
    complaints: Iterable[Complaint], *, now: datetime, calendar: WorkCalendar | None = None
) -> None:
    """Set ``complaint.countdown`` (rules.Countdown or None) on each complaint, without a query per row."""
    complaints = list(complaints)
    if not complaints:
        return
    calendar = calendar or work_calendar()
    for complaint in complaints:
        complaint.countdown = rules.complaint_countdown(
            calendar,
            status=complaint.status,
            response_due_at=complaint.response_due_at,
            solution_due_at=complaint.solution_due_at,
            now=now,
        )


def complaint_deadlines(complaint: Complaint, *, now: datetime) -> dict[str, dict[str, Any]]:
    """Both deadlines of one complaint for its page (two queries: the calendar).

    ``{"response": {...}, "solution": {...}}``, each with ``due_at``, ``countdown``
    (rules.Countdown), ``done_at`` (None while not done) and ``state`` (rules.SlaState).
    """
    calendar = work_calendar()
    response_state = rules.response_state(
        response_due_at=complaint.response_due_at, responded_at=complaint.responded_at, now=now
    )
    solution_state = rules.solution_state(
        solution_due_at=complaint.solution_due_at,
        solved_at=complaint.solved_at,
        solution_late=complaint.solution_late,
        now=now,
    )
    return {
        "response": {
            "due_at": complaint.response_due_at,
            "countdown": rules.countdown(
                calendar, due_at=complaint.response_due_at, kind=rules.DueKind.RESPONSE, now=now
            ),
            "done_at": complaint.responded_at,
            "state": response_state,
        },
        "solution": {
            "due_at": complaint.solution_due_at,
            "countdown": rules.countdown(
                calendar, due_at=complaint.solution_due_at, kind=rules.DueKind.SOLUTION, now=now
            ),
            "done_at": complaint.solved_at,
            "state": solution_state,
        },
    }


# --- Staff -----------------------------------------------------------------------------------------


def complaint_queue(*, now: datetime | None = None) -> QuerySet[Complaint]:
    """Every complaint for staff, the most urgent first: by the next deadline (earliest first),
    then those waiting for the resident, newest filing first; annotated with ``next_due_at``,
    ``response_overdue`` and ``solution_overdue``."""
    now = now or timezone.now()
    return (
        Complaint.objects.select_related("resident", "filed_by", "assigned_to")
        .annotate(
            next_due_at=NEXT_DUE_AT,
            response_overdue=Case(
                When(response_overdue_q(now), then=Value(True)), default=Value(False)
            ),
            solution_overdue=Case(
                When(solution_overdue_q(now), then=Value(True)), default=Value(False)
            ),
        )
        .order_by(*QUEUE_ORDER)
    )


def overdue_deadlines(*, now: datetime) -> Iterator[tuple[Complaint, rules.DueKind]]:
    """Each missed deadline not yet met: (complaint, RESPONSE or SOLUTION). Two queries."""
    base = Complaint.objects.select_related("resident").order_by("pk")
    for complaint in base.filter(response_overdue_q(now)):
        yield complaint, rules.DueKind.RESPONSE
    for complaint in base.filter(solution_overdue_q(now)):
        yield complaint, rules.DueKind.SOLUTION


def solved_unconfirmed(*, before: datetime) -> list[int]:
    """Ids of complaints with a solution given before ``before``, still waiting for the resident."""
    return list(
        Complaint.objects.filter(status=ComplaintStatus.SOLVED, solved_at__lt=before)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# --- The monthly SLA report ----------------------------------------------------------------------

FACT_FIELDS = (
    "category", "filed_at", "response_due_at", "responded_at", "solution_due_at", "solved_at",
    "solution_late", "reopened_count", "status",
)


def month_complaints(month: date) -> QuerySet[Complaint]:
    """Complaints filed in the calendar month (Asia/Shanghai) of ``month``."""
    start, end = rules.month_bounds(month)
    return Complaint.objects.filter(filed_at__gte=start, filed_at__lt=end)


def sla_report(month: date, *, now: datetime | None = None) -> rules.SlaReport:
    """The month's on-time rates, counts and average response time, overall and by category.

    Three queries whatever the number of complaints: the month's complaints (plain values)
    and the calendar (two).
    """
    now = now or timezone.now()
    facts = [rules.ComplaintFacts(**row) for row in month_complaints(month).values(*FACT_FIELDS)]
    return rules.sla_report(
        facts,
        month=month,
        categories=ComplaintCategory.values,
        calendar=work_calendar(),
        now=now,
    )


def sla_export_rows(month: date, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """One row per complaint of the month with its SLA outcome, for the Excel export (three queries)."""
    now = now or timezone.now()
    calendar = work_calendar()
    rows = []
    complaints = month_complaints(month).select_related("resident").order_by("filed_at", "id")
    for complaint in complaints:
        facts = rules.ComplaintFacts(**{name: getattr(complaint, name) for name in FACT_FIELDS})
        response, solution = rules.complaint_outcome(facts, now=now)
        rows.append(
            {
                "complaint": complaint,
                "response_state": response,
                "solution_state": solution,
                "response_working_days": (
                    rules.working_days_taken(calendar, start=complaint.filed_at, end=complaint.responded_at)
                    if complaint.responded_at
                    else None
                ),
            }
        )
    return rows


def provisional_complaints() -> QuerySet[Complaint]:
    """Complaints the team still works on by a provisional deadline (RULEBOOK §2)."""
    return Complaint.objects.filter(
        status__in=(ComplaintStatus.OPEN, ComplaintStatus.IN_PROGRESS), due_provisional=True
    )
