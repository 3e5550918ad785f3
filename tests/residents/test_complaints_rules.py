"""Pure SLA rules of complaints (第四章第四条): on time, overdue, countdown, next deadline, the report.

No database: calendars are built by hand; times are Asia/Shanghai.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from opc_community.workdays.rules import WorkCalendar
from residents.rules import complaints as rules
from residents.rules.complaints import ComplaintFacts, DueKind, SlaState
from tests.residents.support.agreements import seed_rules

SH = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")
DUE = datetime(2026, 10, 9, 23, 59, 59, tzinfo=SH)  # response due of the conformance case

# 2026 National Day: 10-01..07 off, Sat 10-10 a working day (RULEBOOK §2).
NATIONAL_DAY = WorkCalendar(
    holidays=frozenset(date(2026, 10, d) for d in range(1, 8)),
    adjusted_workdays=frozenset({date(2026, 9, 20), date(2026, 10, 10)}),
    loaded_years=frozenset({2026}),
)


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


# --- On time / late / overdue ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("done_at", "on_time"),
    [
        (sh(2026, 10, 9, 23, 59, 59), True),  # the last second of the due day
        (sh(2026, 10, 9, 23, 59, 59, 999999), True),  # …and its last microsecond
        (sh(2026, 10, 10, 0, 0, 0), False),  # the first moment of the next day
        (sh(2026, 10, 8, 9, 0), True),
        (sh(2026, 9, 30, 10, 0), True),  # the filing day itself
        (datetime(2026, 10, 9, 15, 59, 59, tzinfo=UTC), True),  # = 23:59:59 in Shanghai
        (datetime(2026, 10, 9, 16, 0, 0, tzinfo=UTC), False),  # = 00:00:00 next day in Shanghai
    ],
)
def test_on_time_means_on_or_before_the_due_day(done_at, on_time):
    assert rules.is_on_time(done_at=done_at, due_at=DUE) is on_time


@pytest.mark.parametrize(
    ("now", "done_at", "overdue"),
    [
        (sh(2026, 10, 9, 23, 59, 59), None, False),
        (sh(2026, 10, 10, 0, 0, 0), None, True),
        (sh(2026, 10, 12, 9, 0), None, True),
        (sh(2026, 10, 12, 9, 0), sh(2026, 10, 11, 9, 0), False),  # done (late) is not "overdue now"
        (sh(2026, 10, 1, 9, 0), None, False),
    ],
)
def test_overdue_now_only_when_not_done_after_the_due_day(now, done_at, overdue):
    assert rules.is_overdue_now(due_at=DUE, done_at=done_at, now=now) is overdue


@pytest.mark.parametrize(
    ("done_at", "now", "state"),
    [
        (sh(2026, 10, 9, 23, 59, 59), sh(2026, 11, 1), SlaState.MET),
        (sh(2026, 10, 10, 0, 0), sh(2026, 11, 1), SlaState.LATE),
        (None, sh(2026, 10, 9, 12, 0), SlaState.PENDING),
        (None, sh(2026, 10, 10, 0, 0), SlaState.OVERDUE),
    ],
)
def test_sla_state(done_at, now, state):
    assert rules.sla_state(due_at=DUE, done_at=done_at, now=now) is state


def test_the_sql_cutoff_agrees_with_the_rule_at_every_moment_of_the_boundary():
    for now in (sh(2026, 10, 9, 23, 59, 59), sh(2026, 10, 10, 0, 0), sh(2026, 10, 10, 0, 0, 1)):
        assert (rules.overdue_cutoff(now) > DUE) is rules.is_overdue_now(due_at=DUE, done_at=None, now=now)


# --- Solution rounds (reopening decision) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("already_late", "solved_at", "late"),
    [
        (False, sh(2026, 10, 15, 23, 59, 59), False),
        (False, sh(2026, 10, 16, 0, 0), True),
        (True, sh(2026, 10, 12, 9, 0), True),  # an earlier late round is never made good
    ],
)
def test_a_late_solution_round_is_remembered(already_late, solved_at, late):
    due = sh(2026, 10, 15, 23, 59, 59)
    assert rules.solution_was_late(already_late=already_late, solved_at=solved_at, solution_due_at=due) is late


@pytest.mark.parametrize(
    ("solution_late", "solved_at", "now", "state"),
    [
        (False, None, sh(2026, 10, 20), SlaState.PENDING),  # reopened, new round running
        (False, None, sh(2026, 10, 27), SlaState.OVERDUE),  # new round missed
        (True, None, sh(2026, 10, 20), SlaState.LATE),  # first round was late
        (True, sh(2026, 10, 21), sh(2026, 10, 27), SlaState.LATE),
        (False, sh(2026, 10, 21), sh(2026, 10, 27), SlaState.MET),
    ],
)
def test_solution_state_over_rounds(solution_late, solved_at, now, state):
    due = sh(2026, 10, 26, 23, 59, 59)  # a reopened round's deadline
    assert rules.solution_state(solution_due_at=due, solved_at=solved_at, solution_late=solution_late, now=now) is state


# --- Next deadline and countdown -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("open", (DueKind.RESPONSE, DUE)),
        ("in_progress", (DueKind.SOLUTION, DUE + timedelta(days=6))),
        ("solved", None),
        ("closed", None),
    ],
)
def test_next_due_follows_the_status(status, expected):
    assert rules.next_due(status=status, response_due_at=DUE, solution_due_at=DUE + timedelta(days=6)) == expected


@pytest.mark.parametrize(
    ("now", "days_left", "overdue"),
    [
        (sh(2026, 9, 30, 10, 0), 2, False),  # the holiday week does not count
        (sh(2026, 10, 5, 10, 0), 2, False),
        (sh(2026, 10, 8, 10, 0), 1, False),
        (sh(2026, 10, 9, 23, 59, 59), 0, False),  # due today
        (sh(2026, 10, 10, 0, 0), -1, True),  # Saturday, an adjusted working day
        (sh(2026, 10, 11, 9, 0), -1, True),  # Sunday: still overdue, never "due today"
        (sh(2026, 10, 13, 9, 0), -3, True),  # 10-10, 10-12, 10-13
    ],
)
def test_countdown_in_working_days(now, days_left, overdue):
    result = rules.countdown(NATIONAL_DAY, due_at=DUE, kind=DueKind.RESPONSE, now=now)
    assert (result.days_left, result.overdue) == (days_left, overdue)
    assert result.due_date == date(2026, 10, 9)


def test_a_friday_deadline_is_overdue_not_due_today_over_the_weekend():
    friday = sh(2026, 11, 6, 23, 59, 59)
    result = rules.countdown(NATIONAL_DAY, due_at=friday, kind=DueKind.SOLUTION, now=sh(2026, 11, 7, 10, 0))
    assert result.overdue and result.days_left < 0


def test_no_countdown_while_the_resident_has_the_next_move():
    assert rules.complaint_countdown(
        NATIONAL_DAY, status="solved", response_due_at=DUE, solution_due_at=DUE, now=sh(2026, 10, 1)
    ) is None


# --- Working days taken ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (sh(2026, 9, 30, 10, 0), sh(2026, 9, 30, 17, 0), 0),  # same day
        (sh(2026, 9, 30, 10, 0), sh(2026, 10, 3, 17, 0), 0),  # during the holiday
        (sh(2026, 9, 30, 10, 0), sh(2026, 10, 8, 9, 0), 1),
        (sh(2026, 9, 30, 10, 0), sh(2026, 10, 10, 9, 0), 3),  # the adjusted Saturday counts
        (sh(2026, 9, 30, 23, 30), datetime(2026, 10, 7, 16, 30, tzinfo=UTC), 1),  # 10-08 00:30 in Shanghai
    ],
)
def test_working_days_taken(start, end, days):
    assert rules.working_days_taken(NATIONAL_DAY, start=start, end=end) == days


# --- The monthly report ---------------------------------------------------------------------------


def _facts(**overrides) -> ComplaintFacts:
    values = {
        "category": "facilities",
        "filed_at": sh(2026, 9, 30, 10, 0),
        "response_due_at": DUE,
        "responded_at": None,
        "solution_due_at": sh(2026, 10, 15, 23, 59, 59),
        "solved_at": None,
        "solution_late": False,
        "reopened_count": 0,
        "status": "open",
    }
    return ComplaintFacts(**(values | overrides))


def test_report_counts_rates_and_average_response_time():
    now = sh(2026, 11, 1, 9, 0)
    complaints = [
        # response on time at the last second, solution on time, closed
        _facts(responded_at=sh(2026, 10, 9, 23, 59, 59), solved_at=sh(2026, 10, 12, 10, 0), status="closed"),
        # response late by one second, solution late
        _facts(responded_at=sh(2026, 10, 10, 0, 0), solved_at=sh(2026, 10, 16, 0, 0), solution_late=True, status="solved"),
        # never answered: both overdue
        _facts(category="fees"),
        # solved straight away the same day, reopened, new round still running
        _facts(category="fees", responded_at=sh(2026, 9, 30, 15, 0), solution_due_at=sh(2026, 11, 5, 23, 59, 59),
               reopened_count=1, status="in_progress"),
    ]

    report = rules.sla_report(complaints, month=date(2026, 9, 1), categories=["facilities", "fees", "safety"],
                              calendar=NATIONAL_DAY, now=now)

    overall = report.overall
    assert (overall.filed, overall.response_met, overall.response_missed, overall.response_pending) == (4, 2, 2, 0)
    assert overall.response_rate == Decimal("50.0")
    assert (overall.solution_met, overall.solution_missed, overall.solution_pending) == (1, 2, 1)
    assert overall.solution_rate == Decimal("33.3")
    # response times: 2 (10-09), 3 (10-10 adjusted Saturday), 0 (same day) → 5 / 3
    assert overall.responded == 3
    assert overall.average_response_working_days == Decimal("1.7")
    assert (overall.reopened, overall.closed) == (1, 1)
    by_category = {line.category: line for line in report.by_category}
    assert list(by_category) == ["facilities", "fees", "safety"]
    assert by_category["facilities"].response_rate == Decimal("50.0")
    assert by_category["fees"].response_rate == Decimal("50.0")
    assert by_category["safety"].filed == 0
    assert by_category["safety"].response_rate is None
    assert by_category["safety"].average_response_working_days is None


def test_pending_steps_are_not_counted_in_the_rates():
    report = rules.sla_report([_facts()], month=date(2026, 9, 1), categories=["facilities"],
                              calendar=NATIONAL_DAY, now=sh(2026, 10, 8, 9, 0))
    assert report.overall.response_pending == 1
    assert report.overall.response_rate is None


@pytest.mark.parametrize(
    ("part", "whole", "rate"),
    [(0, 0, None), (1, 3, Decimal("33.3")), (2, 3, Decimal("66.7")), (1, 8, Decimal("12.5")), (3, 3, Decimal("100.0"))],
)
def test_percent_rounds_half_up_to_one_decimal(part, whole, rate):
    assert rules.percent(part, whole) == rate


@pytest.mark.parametrize(
    ("month", "start", "end"),
    [
        (date(2026, 10, 1), sh(2026, 10, 1), sh(2026, 11, 1)),
        (date(2026, 12, 15), sh(2026, 12, 1), sh(2027, 1, 1)),
        (date(2026, 2, 1), sh(2026, 2, 1), sh(2026, 3, 1)),
    ],
)
def test_month_bounds_in_shanghai(month, start, end):
    assert rules.month_bounds(month) == (start, end)


# --- The promise in words (one sentence for the portal and the SLA report) ------------------------------


@pytest.mark.parametrize(("language", "response", "solution", "expected"), [
    ("zh-hans", 2, 7, "2 个工作日内响应，7 个工作日内给出解决方案（第四章第四条）。"),
    ("zh-hans", 3, 10, "3 个工作日内响应，10 个工作日内给出解决方案（第四章第四条）。"),
    ("en", 2, 7, "A response within 2 working days, a solution within 7 working days (Chapter 4, Article 4)."),
])
def test_the_promise_says_the_numbers_of_the_rulebook(language, response, solution, expected):
    deadlines = seed_rules(deadlines={"complaint_response_working_days": response,
                                      "complaint_solution_working_days": solution}).deadlines
    with translation.override(language):
        assert rules.promise_text(deadlines) == expected


@pytest.mark.parametrize(("status", "answer", "write"), [
    ("open", False, True), ("in_progress", False, True), ("solved", True, True), ("closed", False, False),
])
def test_who_may_do_what_now(status, answer, write):
    """The complaint page shows its forms by the predicates the services check."""
    assert rules.may_answer_solution(status) is answer
    assert rules.thread_open(status) is write
