"""Reads of quarterly plans (RULEBOOK §7.1, decision added 2026-12): each resident's filing deadline, its
plan and change requests, the staff queues, and what still awaits review before a quarter is confirmed.

The filing deadline is never stored: it follows from the quarter, the resident's check-in and the
working-day calendar (``scoring.rules.plan_due``, the rulebook version in force on the quarter's first
day), so that a calendar loaded or corrected later moves it with no recomputation job. What an event
fixes is stored: the refiling date of a returned plan, the staff's decision deadline.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from opc_community import rulebook
from opc_community.rulebook.models import RulebookVersion
from opc_community.rulebook.schema import QuarterlyPlan
from opc_community.rulebook.selectors import rules_of
from opc_community.workdays.rules import WorkCalendar, WorkingDay, local_date
from opc_community.workdays.selectors import work_calendar
from residents.models import Resident, ResidentStatus
from scoring import quarters
from scoring import rules as scoring_rules
from scoring.models import (
    InputStatus,
    PlanChange,
    PlanChangeStatus,
    PlanStatus,
    Quarter,
    QuarterInput,
    QuarterPlan,
    QuarterStatus,
)
from scoring.selectors.inputs import cohort, in_cohort

#: Plan states in which the resident has not (or no longer) filed: it may (re)file and is reminded.
NOT_FILED = (None, PlanStatus.DRAFT, PlanStatus.RETURNED)


def plan_rules(quarter: Quarter) -> QuarterlyPlan:
    """The plan rules of the quarter: the version it was scored with once run (a quarter before the first
    version in force has none on its first day), else the version in force on its first day (one query)."""
    if quarter.rulebook_version:
        return rules_of(RulebookVersion.objects.get(number=quarter.rulebook_version)).scoring.plan
    return rulebook.in_force(on=quarters.first_day(quarter.year, quarter.number)).scoring.plan


def filing_due(quarter: Quarter, resident: Resident, calendar: WorkCalendar, book: QuarterlyPlan) -> WorkingDay:
    """The resident's plan deadline for the quarter (``scoring.rules.plan_due``), without a query."""
    checked_in = local_date(resident.checked_in_at) if resident.checked_in_at else None
    return scoring_rules.plan_due(calendar, quarter_first_day=quarters.first_day(quarter.year, quarter.number),
                                  checked_in_on=checked_in, rules=book)


def may_file_until(due: date, plan: QuarterPlan | None) -> date:
    """The last day the resident may file: the deadline, or the later refiling date after a return."""
    if plan is not None and plan.refile_due_on and plan.refile_due_on > due:
        return plan.refile_due_on
    return due


def filing_open(quarter: Quarter, plan: QuarterPlan | None, *, until: date, today: date) -> bool:
    """The resident may save and submit its plan: the quarter still collects (open), the plan is not filed
    (none, draft, returned) and today is not after ``until`` (:func:`may_file_until`)."""
    status = plan.status if plan is not None else None
    return quarter.status == QuarterStatus.OPEN and status in NOT_FILED and today <= until


def change_open(quarter: Quarter, plan: QuarterPlan | None, *, today: date) -> bool:
    """A change of the accepted plan may be asked until the quarter's last day, while the quarter is open
    (after it, the plan would be rewritten with hindsight)."""
    return (
        plan is not None and plan.status == PlanStatus.ACCEPTED and quarter.status == QuarterStatus.OPEN
        and today <= quarters.last_day(quarter.year, quarter.number)
    )


def with_changes(queryset: QuerySet[QuarterPlan]) -> QuerySet[QuarterPlan]:
    return queryset.select_related("quarter", "resident", "decided_by").prefetch_related(
        Prefetch("changes", queryset=PlanChange.objects.select_related("decided_by").order_by("-requested_at", "-id"))
    )


@dataclass(frozen=True)
class PlanPage:
    """Everything the resident's plan page of a quarter shows."""

    quarter: Quarter
    plan: QuarterPlan | None
    due: WorkingDay  # the filing deadline
    until: date  # the last day to file (the deadline, or later after a return)
    working_days_left: int
    can_file: bool
    can_change: bool
    pending_change: PlanChange | None
    changes: list[PlanChange]


def plan_page(resident: Resident, quarter: Quarter, *, today: date) -> PlanPage:
    """The resident's own plan of the quarter with its deadline and change requests (five queries: plan,
    changes, rulebook, calendar)."""
    plan = with_changes(QuarterPlan.objects.filter(quarter=quarter, resident=resident)).first()
    calendar = work_calendar()
    due = filing_due(quarter, resident, calendar, plan_rules(quarter))
    until = may_file_until(due.date, plan)
    changes = list(plan.changes.all()) if plan else []
    return PlanPage(
        quarter=quarter, plan=plan, due=due, until=until,
        working_days_left=calendar.working_days_between(today, until),
        can_file=filing_open(quarter, plan, until=until, today=today),
        can_change=change_open(quarter, plan, today=today)
        and not any(change.status == PlanChangeStatus.PENDING for change in changes),
        pending_change=next((c for c in changes if c.status == PlanChangeStatus.PENDING), None),
        changes=changes,
    )


@dataclass(frozen=True)
class PlanLine:
    quarter: Quarter
    plan: QuarterPlan | None
    until: date | None  # the last day to file, for an open quarter whose plan is not filed yet


def plans_of(resident: Resident, *, today: date) -> list[PlanLine]:
    """The quarters of the residency, newest first, with the resident's plan; the last day to file for
    those still collecting plans (two queries, plus rulebook and calendar for an open quarter)."""
    if resident.checked_in_at is None:
        return []
    plans = {plan.quarter_id: plan for plan in QuarterPlan.objects.filter(resident=resident)}
    lines = []
    for quarter in Quarter.objects.order_by("-year", "-number"):
        if not in_cohort(quarter, resident):
            continue
        plan = plans.get(quarter.pk)
        until = None
        if quarter.status == QuarterStatus.OPEN and (plan.status if plan else None) in NOT_FILED:
            due = filing_due(quarter, resident, work_calendar(), plan_rules(quarter))
            until = may_file_until(due.date, plan)
        lines.append(PlanLine(quarter, plan, until))
    return lines


def plan_of(resident: Resident, quarter: Quarter) -> QuarterPlan | None:
    """The resident's own plan of the quarter (one query), or None."""
    return QuarterPlan.objects.filter(resident=resident, quarter=quarter).first()


def staff_list(queryset: QuerySet[QuarterPlan]) -> QuerySet[QuarterPlan]:
    """The admin and API list: resident, quarter and decider joined; whether a change awaits staff."""
    pending = PlanChange.objects.filter(plan=OuterRef("pk"), status=PlanChangeStatus.PENDING)
    return queryset.select_related("quarter", "resident", "decided_by").annotate(change_pending=Exists(pending))


# --- For the reminder job --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    resident: Resident
    until: date


def reminders_due(quarter: Quarter, *, today: date) -> list[Reminder]:
    """Residents of the quarter (checked in, not leaving) who have not filed their plan and whose last day to
    file is ``reminder_working_days`` working days away or nearer (``scoring.rules.plan_reminder_due``).
    Four queries whatever their number: the residents with their plans, rulebook, calendar."""
    plans = QuarterPlan.objects.filter(quarter=quarter)
    residents = (
        cohort(quarter).filter(status__in=(ResidentStatus.ACTIVE, ResidentStatus.EXITING))
        .select_related("user").prefetch_related(Prefetch("quarter_plans", queryset=plans, to_attr="plans"))
    )
    book, calendar = plan_rules(quarter), work_calendar()
    due = []
    for resident in residents:
        plan = resident.plans[0] if resident.plans else None
        if (plan.status if plan else None) not in NOT_FILED:
            continue
        until = may_file_until(filing_due(quarter, resident, calendar, book).date, plan)
        if scoring_rules.plan_reminder_due(calendar, today=today, due_on=until, rules=book):
            due.append(Reminder(resident, until))
    return due


def filing_deadlines(quarter: Quarter, residents: Iterable[Resident]) -> dict[int, date]:
    """Each resident's plan deadline for the quarter (rulebook and calendar read once: three queries)."""
    book, calendar = plan_rules(quarter), work_calendar()
    return {resident.pk: filing_due(quarter, resident, calendar, book).date for resident in residents}


# --- Before the quarter is confirmed ---------------------------------------------------------------------


@dataclass(frozen=True)
class Unreviewed:
    """What staff must still decide before the administrator confirms a quarter (RULEBOOK §7.1): the names
    of the residents concerned, per kind."""

    plans: list[str]
    changes: list[str]
    results: list[str]

    def __bool__(self) -> bool:
        return bool(self.plans or self.changes or self.results)


def unreviewed(quarter: Quarter) -> Unreviewed:
    """Plans submitted and not decided, change requests pending, results submitted and not verified (three
    queries). A draft never submitted is no input: it scores as absent and does not hold the quarter."""
    return Unreviewed(
        plans=list(QuarterPlan.objects.filter(quarter=quarter, status=PlanStatus.SUBMITTED)
                   .order_by("resident__name").values_list("resident__name", flat=True)),
        changes=list(PlanChange.objects.filter(plan__quarter=quarter, status=PlanChangeStatus.PENDING)
                     .order_by("plan__resident__name").values_list("plan__resident__name", flat=True)),
        results=list(QuarterInput.objects.filter(quarter=quarter, status=InputStatus.SUBMITTED)
                     .order_by("resident__name").values_list("resident__name", flat=True)),
    )


def reviewed_since(quarter: Quarter, moment: datetime) -> bool:
    """Whether staff decided a plan or a change, or verified or corrected results, after ``moment`` (the
    start of the draft's run): the draft then no longer shows what they decided. One query."""
    decided = QuarterPlan.objects.filter(quarter=quarter, decided_at__gt=moment)
    changed = PlanChange.objects.filter(plan__quarter=quarter, decided_at__gt=moment)
    checked = QuarterInput.objects.filter(quarter=quarter, verified_at__gt=moment)
    found = Quarter.objects.filter(pk=quarter.pk).annotate(
        plan_decided=Exists(decided), change_decided=Exists(changed), results_checked=Exists(checked)
    ).values_list("plan_decided", "change_decided", "results_checked").get()
    return any(found)
