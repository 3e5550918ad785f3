"""The calendar as loaded in the database: official 2026 schedule, conformance cases, fallback years."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from opc_community.workdays.models import CalendarYear, SpecialDay
from opc_community.workdays.selectors import (
    add_working_days,
    calendar_warnings,
    deadline,
    work_calendar,
    working_days_left,
)
from tests.spec import case_id, cases

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("case", cases("working_day_deadlines"), ids=case_id)
def test_conformance_working_day_deadlines(case):
    event = datetime.fromisoformat(case["event_date"]).replace(hour=10, tzinfo=SH)
    result = deadline(event, case["working_days"])
    assert result.at.isoformat() == f"{case['deadline_end_of']}T23:59:59+08:00"
    assert result.provisional is False


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 9, 20), True),  # Sunday, adjusted working day before National Day
        (date(2026, 10, 1), False),
        (date(2026, 10, 7), False),
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # Saturday, adjusted working day
        (date(2026, 10, 11), False),
        (date(2026, 2, 14), True),  # Saturday before Spring Festival
        (date(2026, 2, 23), False),
    ],
)
def test_official_2026_schedule_is_loaded(day, working):
    assert work_calendar().is_working_day(day) is working


def test_national_day_2026():
    # Tue 2026-09-29 + 3 working days: 30 Sep, (1–7 Oct off), 8 Oct, 9 Oct.
    assert add_working_days(date(2026, 9, 29), 3).date == date(2026, 10, 9)
    # Fri 2026-10-09 + 1: the adjusted Saturday 2026-10-10.
    assert add_working_days(date(2026, 10, 9), 1).date == date(2026, 10, 10)


def test_a_2027_date_is_provisional_not_an_error():
    result = add_working_days(date(2027, 3, 1), 5)
    assert result.date == date(2027, 3, 8)
    assert result.provisional is True
    crossing = deadline(datetime(2026, 12, 30, 9, tzinfo=SH), 2)
    assert crossing.date == date(2027, 1, 1)  # plain Friday in the fallback calendar
    assert crossing.provisional is True


def test_staff_entries_take_effect_and_loading_a_year_removes_the_provisional_mark():
    SpecialDay.objects.create(date=date(2027, 1, 1), kind=SpecialDay.Kind.HOLIDAY, name="元旦")
    CalendarYear.objects.create(year=2027, source=CalendarYear.Source.STAFF)
    result = add_working_days(date(2026, 12, 30), 2)
    assert (result.date, result.provisional) == (date(2027, 1, 4), False)


def test_working_days_left_counts_to_a_deadline():
    assert working_days_left(date(2026, 10, 9), today=date(2026, 9, 30)) == 2
    assert working_days_left(date(2026, 9, 30), today=date(2026, 10, 9)) == -2


@pytest.mark.parametrize(
    ("today", "warned"),
    [(date(2026, 10, 31), False), (date(2026, 11, 1), True), (date(2026, 12, 31), True)],
)
def test_warning_from_1_november_when_next_year_is_missing(today, warned):
    assert bool(calendar_warnings(today=today)) is warned


def test_no_warning_once_next_year_is_loaded():
    CalendarYear.objects.create(year=2027)
    assert calendar_warnings(today=date(2026, 11, 26)) == []


def test_adjusted_working_day_must_be_a_weekend_day():
    from django.core.exceptions import ValidationError

    day = SpecialDay(date=date(2027, 1, 6), kind=SpecialDay.Kind.WORKDAY, name="x")  # a Wednesday
    with pytest.raises(ValidationError):
        day.full_clean()
