"""Complaint and request SLAs (诉求反馈, 第四章第四条; RULEBOOK §6) as pure functions.

No database and no clock: times come in as aware datetimes, the working-day
calendar as a :class:`~opc_community.workdays.rules.WorkCalendar` value.

The promise (rule data: ``deadlines.complaint_response_working_days`` = 2,
``deadlines.complaint_solution_working_days`` = 7): a response within 2 working
days and a solution within 7 working days of the filing, each deadline being
the end (23:59:59 Asia/Shanghai) of that working day (RULEBOOK §2).

On time, late, overdue — one definition everywhere (services, task, queue, API, report):

- a step done at ``done_at`` is **on time** when it happens on or before the due
  *day*: up to 23:59:59.999… of that day; from 00:00:00 of the next day it is late;
- a step not done is **overdue now** once today (Asia/Shanghai) is after the due day.

**Decision (reopening)**: a resident who reopens a solved complaint puts the
request back in front of the team, and 第四章第四条 then promises a solution
again: the complaint gets a new solution deadline, ``complaint_solution_working_days``
working days from the reopening (the response is not due again: the complaint
was answered). Each solution round is judged against its own deadline, and a
complaint counts as *solved on time* only when every round was: a late solution
in an earlier round is kept (``Complaint.solution_late``) and is never made good
by a quick re-solution. The response is judged once, at the first response.

**Decision (solving straight away)**: a solution given to a complaint that was
not yet responded to is also its response (at the same moment).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from django.utils.translation import gettext as _

from opc_community.rulebook.schema import Deadlines
from opc_community.workdays.rules import SHANGHAI, WorkCalendar, local_date
from residents.models.complaints import ComplaintStatus


class SlaState(StrEnum):
    """Where one deadline of a complaint stands."""

    MET = "met"  # done on or before the due day
    LATE = "late"  # done after the due day
    PENDING = "pending"  # not done, the due day has not passed
    OVERDUE = "overdue"  # not done, the due day has passed


#: States that count in an on-time rate: the step is settled one way or the other.
DECIDED = frozenset({SlaState.MET, SlaState.LATE, SlaState.OVERDUE})
MISSED = frozenset({SlaState.LATE, SlaState.OVERDUE})


# --- Who may do what now (the services check these; the pages show their buttons by them) ----------------


def may_answer_solution(status: str) -> bool:
    """The resident confirms or reopens a complaint only once a solution was given (第四章第四条)."""
    return status == ComplaintStatus.SOLVED


def thread_open(status: str) -> bool:
    """Messages are added to a complaint's thread until it is closed (then a new complaint is filed)."""
    return status != ComplaintStatus.CLOSED


def promise_text(deadlines: Deadlines) -> str:
    """The promise of 第四章第四条 in words, with the numbers of ``deadlines`` (the rulebook version in
    force for the complaints concerned): the portal's pages and the SLA report say it the same way."""
    return _(
        "A response within %(response)s working days, a solution within %(solution)s working days (Chapter 4, Article 4)."
    ) % {"response": deadlines.complaint_response_working_days, "solution": deadlines.complaint_solution_working_days}


def start_of_day(moment: datetime) -> datetime:
    """00:00:00 Asia/Shanghai of the moment's local date."""
    return datetime.combine(local_date(moment), time.min, tzinfo=SHANGHAI)


def late_from(due_at: datetime) -> datetime:
    """The first moment that is late for a deadline: 00:00:00 of the day after the due day."""
    return datetime.combine(local_date(due_at) + timedelta(days=1), time.min, tzinfo=SHANGHAI)


def overdue_cutoff(now: datetime) -> datetime:
    """Deadlines before this moment have passed: ``due_at < overdue_cutoff(now)`` ⇔ overdue now.

    (The due day is before today ⇔ the deadline is earlier than today's 00:00:00.)
    Selectors filter with it in SQL, so that the queue agrees with :func:`is_overdue_now`.
    """
    return start_of_day(now)


def is_on_time(*, done_at: datetime, due_at: datetime) -> bool:
    """Done on or before the due day (23:59:59 of the due day is on time; 00:00:00 next day is late)."""
    return done_at < late_from(due_at)


def is_overdue_now(*, due_at: datetime, done_at: datetime | None, now: datetime) -> bool:
    """Not done and the due day is over."""
    return done_at is None and due_at < overdue_cutoff(now)


def sla_state(*, due_at: datetime, done_at: datetime | None, now: datetime) -> SlaState:
    if done_at is not None:
        return SlaState.MET if is_on_time(done_at=done_at, due_at=due_at) else SlaState.LATE
    return SlaState.OVERDUE if is_overdue_now(due_at=due_at, done_at=None, now=now) else SlaState.PENDING


def response_state(*, response_due_at: datetime, responded_at: datetime | None, now: datetime) -> SlaState:
    """The response deadline (2 working days, 第四章第四条), judged at the first response."""
    return sla_state(due_at=response_due_at, done_at=responded_at, now=now)


def solution_state(
    *, solution_due_at: datetime, solved_at: datetime | None, solution_late: bool, now: datetime
) -> SlaState:
    """The solution deadline over every round (see the module's reopening decision).

    ``solution_due_at``/``solved_at`` are the current round's; ``solution_late`` says an
    earlier round's solution came late, which stays LATE whatever happens next.
    """
    if solution_late:
        return SlaState.LATE
    return sla_state(due_at=solution_due_at, done_at=solved_at, now=now)


def solution_was_late(*, already_late: bool, solved_at: datetime, solution_due_at: datetime) -> bool:
    """The value of ``Complaint.solution_late`` after a solution given at ``solved_at``."""
    return already_late or not is_on_time(done_at=solved_at, due_at=solution_due_at)


# Mirrors of the status values (kept here so that the rules stay free of the ORM).
OPEN, IN_PROGRESS, SOLVED, CLOSED = "open", "in_progress", "solved", "closed"


class DueKind(StrEnum):
    RESPONSE = "response"
    SOLUTION = "solution"


def next_due(
    *, status: str, response_due_at: datetime, solution_due_at: datetime
) -> tuple[DueKind, datetime] | None:
    """The deadline the team works against now: the response while open, the solution while
    in progress; none once a solution is given (the resident has the next move).

    The staff queue sorts by this (``selectors.complaint_queue`` mirrors it in SQL).
    """
    if status == OPEN:
        return DueKind.RESPONSE, response_due_at
    if status == IN_PROGRESS:
        return DueKind.SOLUTION, solution_due_at
    return None


@dataclass(frozen=True)
class Countdown:
    """The deadline a complaint waits on, for the queue and the pages ("还剩 N 个工作日" / "已逾期")."""

    kind: DueKind
    due_at: datetime
    days_left: int  # working days from today to the due day; 0 = due today; negative = overdue
    overdue: bool

    @property
    def due_date(self) -> date:
        return local_date(self.due_at)


def countdown(calendar: WorkCalendar, *, due_at: datetime, kind: DueKind, now: datetime) -> Countdown:
    """Working days left until ``due_at``; once the due day is over, always negative (never
    "due today" on the weekend after a Friday deadline)."""
    overdue = is_overdue_now(due_at=due_at, done_at=None, now=now)
    days_left = calendar.working_days_between(local_date(now), local_date(due_at))
    if overdue:
        days_left = min(days_left, -1)
    return Countdown(kind=kind, due_at=due_at, days_left=days_left, overdue=overdue)


def complaint_countdown(
    calendar: WorkCalendar, *, status: str, response_due_at: datetime, solution_due_at: datetime, now: datetime
) -> Countdown | None:
    """The countdown to the complaint's next deadline (:func:`next_due`), or None."""
    upcoming = next_due(status=status, response_due_at=response_due_at, solution_due_at=solution_due_at)
    if upcoming is None:
        return None
    kind, due_at = upcoming
    return countdown(calendar, due_at=due_at, kind=kind, now=now)


def working_days_taken(calendar: WorkCalendar, *, start: datetime, end: datetime) -> int:
    """Working days from the filing to a step: 0 the same day (or before the next working day),
    1 on the next working day, and so on (the filing day itself never counts, RULEBOOK §2)."""
    return max(calendar.working_days_between(local_date(start), local_date(end)), 0)


def auto_close_due(calendar: WorkCalendar, *, solved_at: datetime, working_days: int) -> datetime:
    """End of the confirmation window of a solved complaint (the deadline rule of RULEBOOK §2).

    Used only once the rulebook carries ``deadlines.complaint_auto_close_working_days``.
    """
    return calendar.deadline(solved_at, working_days).at


# --- The monthly SLA report ---------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintFacts:
    """What the report needs of one complaint (plain values, e.g. from ``.values()``)."""

    category: str
    filed_at: datetime
    response_due_at: datetime
    responded_at: datetime | None
    solution_due_at: datetime
    solved_at: datetime | None
    solution_late: bool
    reopened_count: int
    status: str


@dataclass
class SlaLine:
    """Counts and rates of one category (or of all: ``category`` = "")."""

    category: str
    filed: int = 0
    response_met: int = 0
    response_missed: int = 0
    response_pending: int = 0
    solution_met: int = 0
    solution_missed: int = 0
    solution_pending: int = 0
    reopened: int = 0
    closed: int = 0
    response_days: list[int] = field(default_factory=list, repr=False)

    @property
    def response_rate(self) -> Decimal | None:
        return percent(self.response_met, self.response_met + self.response_missed)

    @property
    def solution_rate(self) -> Decimal | None:
        return percent(self.solution_met, self.solution_met + self.solution_missed)

    @property
    def responded(self) -> int:
        return len(self.response_days)

    @property
    def average_response_working_days(self) -> Decimal | None:
        if not self.response_days:
            return None
        return (Decimal(sum(self.response_days)) / len(self.response_days)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


@dataclass
class SlaReport:
    month: date
    overall: SlaLine
    by_category: list[SlaLine]


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in percent, one decimal (None when nothing is decided yet)."""
    if whole == 0:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def complaint_outcome(facts: ComplaintFacts, *, now: datetime) -> tuple[SlaState, SlaState]:
    """(response state, solution state) of one complaint at ``now``."""
    return (
        response_state(response_due_at=facts.response_due_at, responded_at=facts.responded_at, now=now),
        solution_state(
            solution_due_at=facts.solution_due_at,
            solved_at=facts.solved_at,
            solution_late=facts.solution_late,
            now=now,
        ),
    )


def _add(line: SlaLine, facts: ComplaintFacts, calendar: WorkCalendar, now: datetime) -> None:
    response, solution = complaint_outcome(facts, now=now)
    line.filed += 1
    line.response_met += response == SlaState.MET
    line.response_missed += response in MISSED
    line.response_pending += response == SlaState.PENDING
    line.solution_met += solution == SlaState.MET
    line.solution_missed += solution in MISSED
    line.solution_pending += solution == SlaState.PENDING
    line.reopened += facts.reopened_count > 0
    line.closed += facts.status == CLOSED
    if facts.responded_at is not None:
        line.response_days.append(working_days_taken(calendar, start=facts.filed_at, end=facts.responded_at))


def sla_report(
    complaints: Iterable[ComplaintFacts],
    *,
    month: date,
    categories: Iterable[str],
    calendar: WorkCalendar,
    now: datetime,
) -> SlaReport:
    """The month's SLA figures over the complaints *filed* in that month, overall and per category.

    On-time rate = met / (met + missed), where missed = done late or overdue now; steps still
    within their deadline are not counted yet. Every category listed appears, empty or not.
    """
    overall = SlaLine(category="")
    lines = {category: SlaLine(category=category) for category in categories}
    for facts in complaints:
        _add(overall, facts, calendar, now)
        _add(lines.setdefault(facts.category, SlaLine(category=facts.category)), facts, calendar, now)
    return SlaReport(month=month, overall=overall, by_category=list(lines.values()))


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[first moment, first moment of the next month) of a calendar month in Asia/Shanghai."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return (
        datetime.combine(first, time.min, tzinfo=SHANGHAI),
        datetime.combine(following, time.min, tzinfo=SHANGHAI),
    )
