"""The quarterly plan's deadlines (RULEBOOK §7.1, decision added 2026-12) as pure rules, by boundary tables.

The plan is filed within the first 10 working days of the quarter, or of check-in if later; the period's
first day counts when it is a working day. The calendar below is the State Council's 2026 schedule around
National Day (10-01..10-07 off, Sunday 09-20 and Saturday 10-10 working): the first working day of 2026 Q4
is Thursday 10-08, so its 10th is Tuesday 10-20. The same tables run against the calendar seeded in the
database, which must agree.
"""

from datetime import date, timedelta

import pytest

from opc_community.rulebook.schema import QuarterlyPlan
from opc_community.workdays.rules import WorkCalendar
from scoring.rules import (
    plan_decision_due,
    plan_due,
    plan_filing_start,
    plan_refile_due,
    plan_reminder_due,
)
from scoring.selectors.plans import filing_open, may_file_until
from tests.scoring.test_rules import RULES

BOOK: QuarterlyPlan = RULES.scoring.plan
Q4 = date(2026, 10, 1)
CALENDAR = WorkCalendar(
    holidays=frozenset(date(2026, 10, day) for day in range(1, 8)),
    adjusted_workdays=frozenset({date(2026, 9, 20), date(2026, 10, 10)}),
    loaded_years=frozenset({2026}),
)


def test_the_seed_holds_the_decided_numbers():
    assert (BOOK.filing_working_days, BOOK.reminder_working_days, BOOK.decision_working_days,
            BOOK.refile_working_days) == (10, 3, 3, 3)


@pytest.mark.parametrize(
    ("quarter", "checked_in", "due"),
    [
        (Q4, None, date(2026, 10, 20)),  # 10-08 Thu is day 1, Saturday 10-10 day 3, Tuesday 10-20 day 10
        (Q4, date(2026, 3, 2), date(2026, 10, 20)),  # checked in long before: the quarter's period
        (Q4, date(2026, 9, 30), date(2026, 10, 20)),  # the day before the quarter: still the quarter's
        (Q4, Q4, date(2026, 10, 20)),  # check-in on the first day (a holiday): the same period
        (Q4, date(2026, 10, 8), date(2026, 10, 20)),  # check-in on the first working day: the same
        (Q4, date(2026, 10, 9), date(2026, 10, 21)),  # one working day later: one day later
        (Q4, date(2026, 10, 10), date(2026, 10, 22)),  # an adjusted working Saturday counts as day 1
        (Q4, date(2026, 10, 11), date(2026, 10, 23)),  # a Sunday: day 1 is Monday 10-12
        (Q4, date(2026, 11, 16), date(2026, 11, 27)),  # mid-quarter (Monday): two full weeks
        (date(2026, 7, 1), None, date(2026, 7, 14)),  # 2026 Q3: Wednesday 07-01 is day 1
    ],
)
def test_the_filing_deadline_is_the_10th_working_day_of_the_quarter_or_of_check_in(quarter, checked_in, due):
    found = plan_due(CALENDAR, quarter_first_day=quarter, checked_in_on=checked_in, rules=BOOK)
    assert (found.date, found.provisional) == (due, False)


def test_day_10_is_in_and_day_11_is_late():
    """The boundary as the services judge it (``selectors.plans.filing_open``): until 23:59 of day 10."""
    from scoring.models import Quarter, QuarterStatus

    quarter = Quarter(year=2026, number=4, status=QuarterStatus.OPEN)
    due = plan_due(CALENDAR, quarter_first_day=Q4, checked_in_on=None, rules=BOOK).date
    assert filing_open(quarter, None, until=due, today=date(2026, 10, 20)) is True
    assert filing_open(quarter, None, until=due, today=date(2026, 10, 21)) is False
    drafted = Quarter(year=2026, number=4, status=QuarterStatus.DRAFTED)
    assert filing_open(drafted, None, until=due, today=date(2026, 10, 9)) is False  # the quarter no longer open


def test_the_filing_period_starts_on_the_later_of_the_quarter_and_check_in():
    assert plan_filing_start(Q4, None) == Q4
    assert plan_filing_start(Q4, date(2026, 9, 1)) == Q4
    assert plan_filing_start(Q4, date(2026, 10, 15)) == date(2026, 10, 15)


def test_a_deadline_in_a_year_without_a_loaded_schedule_is_provisional():
    found = plan_due(CALENDAR, quarter_first_day=Q4, checked_in_on=date(2026, 12, 24), rules=BOOK)
    assert (found.date, found.provisional) == (date(2027, 1, 6), True)  # Monday–Friday fallback in 2027


@pytest.mark.parametrize(
    ("returned_on", "until"),
    [
        (date(2026, 10, 9), date(2026, 10, 20)),  # returned early: the filing deadline stands (10-14 < 10-20)
        (date(2026, 10, 15), date(2026, 10, 20)),  # three working days later is 10-20 itself
        (date(2026, 10, 16), date(2026, 10, 21)),  # returned late: three working days after the return
        (date(2026, 10, 20), date(2026, 10, 23)),  # returned on the last day: not the return day itself
    ],
)
def test_a_returned_plan_may_be_filed_again_until_the_later_date(returned_on, until):
    assert plan_refile_due(CALENDAR, due_on=date(2026, 10, 20), returned_on=returned_on, rules=BOOK) == until


@pytest.mark.parametrize(
    ("asked_on", "due"),
    [(date(2026, 9, 30), date(2026, 10, 10)),  # over National Day: 10-08, 10-09, then the working Saturday
     (date(2026, 10, 12), date(2026, 10, 15)),
     (date(2026, 10, 16), date(2026, 10, 21))],  # Friday → Wednesday
)
def test_staff_decide_within_three_working_days(asked_on, due):
    assert plan_decision_due(CALENDAR, asked_on=asked_on, rules=BOOK) == due


@pytest.mark.parametrize(
    ("today", "reminded"),
    [
        (date(2026, 10, 14), False),  # 4 working days before 10-20
        (date(2026, 10, 15), True),  # 3 working days before: the reminder
        (date(2026, 10, 17), True),  # Saturday: still within (a missed day is made up)
        (date(2026, 10, 20), True),  # the last day
        (date(2026, 10, 21), False),  # too late to remind
    ],
)
def test_the_reminder_goes_from_three_working_days_before_the_deadline(today, reminded):
    assert plan_reminder_due(CALENDAR, today=today, due_on=date(2026, 10, 20), rules=BOOK) is reminded


def test_a_return_extends_the_last_day_to_file_never_shortens_it():
    from scoring.models import QuarterPlan

    assert may_file_until(date(2026, 10, 20), None) == date(2026, 10, 20)
    assert may_file_until(date(2026, 10, 20), QuarterPlan(refile_due_on=date(2026, 10, 23))) == date(2026, 10, 23)
    assert may_file_until(date(2026, 10, 20), QuarterPlan(refile_due_on=date(2026, 10, 14))) == date(2026, 10, 20)


@pytest.mark.django_db
@pytest.mark.parametrize("checked_in", [None, date(2026, 10, 9), date(2026, 10, 10), date(2026, 10, 11),
                                        date(2026, 11, 16)])
def test_the_seeded_calendar_gives_the_same_deadlines(checked_in):
    from opc_community.workdays.selectors import work_calendar

    seeded = work_calendar()
    assert plan_due(seeded, quarter_first_day=Q4, checked_in_on=checked_in, rules=BOOK) == plan_due(
        CALENDAR, quarter_first_day=Q4, checked_in_on=checked_in, rules=BOOK)
    assert all(seeded.is_working_day(day) == CALENDAR.is_working_day(day)
               for day in (Q4 + timedelta(days=n) for n in range(60)))
