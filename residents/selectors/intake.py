"""Reads of intake (第三章第一条、第二条): the applicant's own application, the staff queue, material
access, deadlines shown with working days left, and the SLA summary for service reports.

Query shapes live here so that pages and API lists have a fixed number of queries
whatever the number of applications.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Case, DateTimeField, F, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from opc_community import rulebook, workdays
from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.core.desk import Tally, tally_of, tomorrow_starts
from opc_community.rulebook.models import RulebookVersion
from opc_community.rulebook.selectors import rules_of
from opc_community.workdays.rules import Deadline, WorkCalendar, local_date
from opc_community.workdays.selectors import work_calendar
from residents.models import (
    Application,
    ApplicationDocument,
    ApplicationStatus,
    ApplicationTransition,
)
from residents.rules import intake as rules

#: Who may open application materials besides the applicant (RULEBOOK §3: the owner and the intake team;
#: the operations lead and oversight read everything, RULEBOOK §1).
MATERIAL_READERS = (Role.INTAKE, Role.ADMINISTRATOR, Role.OVERSIGHT)


def _with_current_due(queryset: QuerySet[Application]) -> QuerySet[Application]:
    """Annotate ``current_due``: the deadline of the step the application waits for (or NULL)."""
    return queryset.annotate(
        current_due=Case(
            When(status=ApplicationStatus.SUBMITTED, then=F("review_due_at")),
            When(status=ApplicationStatus.EVALUATED, then=F("result_due_at")),
            default=Value(None),
            output_field=DateTimeField(),
        )
    )


def applications_for_staff() -> QuerySet[Application]:
    """Every application with its applicant and reviewer, annotated with ``current_due``, the
    earliest current deadline first (applications without a deadline last)."""
    return _with_current_due(Application.objects.select_related("applicant", "reviewer")).order_by(
        F("current_due").asc(nulls_last=True), "-submitted_at", "-id"
    )


def overdue_q(now: datetime) -> Q:
    """Applications whose current step is past its deadline (``current_due`` must be annotated)."""
    return Q(current_due__lt=now)


def due_before_q(moment: datetime) -> Q:
    """Applications whose current step is due before ``moment`` (no annotation needed: plain columns)."""
    return Q(status=ApplicationStatus.SUBMITTED, review_due_at__lt=moment) | Q(
        status=ApplicationStatus.EVALUATED, result_due_at__lt=moment
    )


def due_by_today_q(now: datetime) -> Q:
    """Applications whose current step is due by the end of today (overdue ones included)."""
    return due_before_q(tomorrow_starts(now))


def desk_reviews(now: datetime) -> Tally:
    """The work desk: reviews and results due by today, and how many are overdue (one query)."""
    return tally_of(Application.objects.filter(due_by_today_q(now)), due_before_q(now))


def applications_of(user: Any) -> QuerySet[Application]:
    """The user's own applications, newest first (another user's: simply not there)."""
    return _with_current_due(Application.objects.filter(applicant=user)).order_by("-created_at", "-id")


def application_page(user: Any) -> Application | None:
    """The applicant's current application (the live one, else the latest) with its materials and
    history, for the portal page (3 queries: application; documents; transitions with actors)."""
    return (
        applications_of(user)
        .select_related("reviewer")
        .prefetch_related(
            Prefetch("documents", queryset=ApplicationDocument.objects.order_by("kind", "uploaded_at", "id")),
            Prefetch("transitions", queryset=ApplicationTransition.objects.select_related("actor")),
        )
        .order_by(
            Case(When(status__in=["draft", "submitted", "evaluation", "evaluated", "returned"], then=0), default=1),
            "-created_at",
            "-id",
        )
        .first()
    )


def document_with_application(pk: int) -> ApplicationDocument | None:
    return ApplicationDocument.objects.select_related("application").filter(pk=pk).first()


def may_read_materials(user: Any, application: Application) -> bool:
    """The applicant, the intake team, the operations lead and oversight (PIPL: need to know)."""
    return application.applicant_id == getattr(user, "pk", None) or has_role(user, *MATERIAL_READERS)


# --- deadlines ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineView:
    """A deadline as people see it: date, working days left (negative once overdue), provisional."""

    step: rules.CurrentStep
    due_at: datetime
    days_left: int
    provisional: bool

    @property
    def date(self) -> date:
        return local_date(self.due_at)

    @property
    def overdue_days(self) -> int:
        """Working days past the deadline ("已逾期 N 个工作日"); 0 when not overdue."""
        return max(-self.days_left, 0)

    @property
    def is_overdue(self) -> bool:
        return self.days_left < 0


def current_step_of(application: Application) -> rules.CurrentStep | None:
    return rules.current_step(
        status=application.status,
        review_due_at=application.review_due_at,
        review_due_provisional=application.review_due_provisional,
        result_due_at=application.result_due_at,
        result_due_provisional=application.result_due_provisional,
    )


def deadline_view(application: Application, *, today: date, calendar: WorkCalendar) -> DeadlineView | None:
    """The current step's deadline with the working days left, or None when nothing is due."""
    step = current_step_of(application)
    if step is None or step.due_at is None:
        return None
    due_date = local_date(step.due_at)
    days_left = calendar.working_days_between(today, due_date)
    if due_date < today and days_left == 0:
        # Past a deadline over a weekend or holiday: overdue already, and the next working day
        # is the first one late, so it counts as one.
        days_left = -1
    return DeadlineView(step=step, due_at=step.due_at, days_left=days_left, provisional=step.provisional)


# --- SLA summary for service reports ----------------------------------------------------------


@dataclass(frozen=True)
class StepCounts:
    """Steps whose deadline falls in the period: done in time, done late or still open past it,
    and still open within the deadline."""

    on_time: int = 0
    overdue: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        return self.on_time + self.overdue + self.pending


@dataclass(frozen=True)
class IntakeSlaSummary:
    start: date
    end: date
    initial_review: StepCounts
    result: StepCounts


# A span of 7 working days never exceeds 30 calendar days (the longest holiday runs 9 days).
_LOOKBACK_DAYS = 45


@dataclass(frozen=True)
class StepOutcome:
    """One intake step owed by its deadline: the waiting status (submitted: the initial review;
    evaluated: the result), the deadline's local day and how it went (0 on time, 1 overdue, 2 pending)."""

    step: str
    due_on: date
    outcome: int


def intake_step_outcomes(start: date, end: date, *, now: datetime | None = None) -> list[StepOutcome]:
    """The initial reviews and results whose deadline falls in ``start``..``end`` (第三章第二条: initial
    review within 7 working days of a submission, the result within 2 working days of the evaluation;
    the numbers of the rulebook in force on the event's day).

    A step is *on time* when the application left the waiting status by its deadline, *overdue*
    when it left later or is still waiting after the deadline, *pending* when still waiting
    before it. Every submission round counts as one initial review; a withdrawn application owes
    nothing. Fixed number of queries: transitions; rulebook versions; calendar (2).
    """
    now = now or timezone.now()
    rows = list(
        ApplicationTransition.objects.filter(
            application__in=ApplicationTransition.objects.filter(
                to_status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.EVALUATED],
                at__date__gte=start - timedelta(days=_LOOKBACK_DAYS),
                at__date__lte=end,
            ).values("application_id")
        )
        .order_by("application_id", "at", "id")
        .values_list("application_id", "from_status", "to_status", "at")
    )
    versions = [
        (version.effective_from, rules_of(version))
        for version in RulebookVersion.objects.filter(status=RulebookVersion.Status.ADOPTED).order_by("effective_from")
    ]
    calendar = work_calendar()

    def rules_on(day: date) -> Any:
        in_force = [body for effective, body in versions if effective <= day]
        return in_force[-1] if in_force else versions[-1][1]

    outcomes = []
    for index, (application_id, _from_status, to_status, at) in enumerate(rows):
        if to_status not in (ApplicationStatus.SUBMITTED, ApplicationStatus.EVALUATED):
            continue
        day = local_date(at)
        deadlines = rules_on(day).deadlines
        days = (
            deadlines.intake_initial_review_working_days
            if to_status == ApplicationStatus.SUBMITTED
            else deadlines.intake_evaluation_result_working_days
        )
        due = calendar.deadline(at, days).at
        if not start <= local_date(due) <= end:
            continue
        left = None  # the next transition of this application out of the waiting status
        for later_id, later_from, later_to, later_at in rows[index + 1 :]:
            if later_id != application_id:
                break
            if later_from == to_status:
                left = (later_to, later_at)
                break
        if left is not None and left[0] == ApplicationStatus.WITHDRAWN:
            continue  # the applicant withdrew: no review was owed any more
        left_at = left[1] if left else None
        done_late = left_at > due if left_at is not None else None
        outcome = int(done_late) if done_late is not None else (1 if now > due else 2)
        outcomes.append(StepOutcome(step=to_status, due_on=local_date(due), outcome=outcome))
    return outcomes


def intake_sla_summary(start: date, end: date, *, now: datetime | None = None) -> IntakeSlaSummary:
    """On-time, overdue and pending initial reviews and results whose deadline falls in ``start``..``end``
    (:func:`intake_step_outcomes`; the same queries)."""
    counts = {ApplicationStatus.SUBMITTED: [0, 0, 0], ApplicationStatus.EVALUATED: [0, 0, 0]}
    for step in intake_step_outcomes(start, end, now=now):
        counts[step.step][step.outcome] += 1
    return IntakeSlaSummary(
        start=start,
        end=end,
        initial_review=StepCounts(*counts[ApplicationStatus.SUBMITTED]),
        result=StepCounts(*counts[ApplicationStatus.EVALUATED]),
    )


def evaluation_result_due(evaluated_at: datetime) -> Deadline:
    """When the result is due once the project evaluation is recorded at ``evaluated_at``: the rulebook's
    ``intake_evaluation_result_working_days`` working days later (第三章第二条: 2 个工作日)."""
    days = rulebook.in_force(on=local_date(evaluated_at)).deadlines.intake_evaluation_result_working_days
    return workdays.deadline(evaluated_at, days)


def provisional_reviews() -> QuerySet[Application]:
    """Applications awaiting their initial review by a provisional deadline (RULEBOOK §2)."""
    return Application.objects.filter(status=ApplicationStatus.SUBMITTED, review_due_provisional=True)


def provisional_results() -> QuerySet[Application]:
    """Evaluated applications whose result is due by a provisional deadline (RULEBOOK §2)."""
    return Application.objects.filter(status=ApplicationStatus.EVALUATED, result_due_provisional=True)
