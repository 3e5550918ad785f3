"""Pure working-day arithmetic (RULEBOOK §2), on hand-made calendars: no database."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from opc_community.workdays.rules import WorkCalendar

SH = ZoneInfo("Asia/Shanghai")
# A tiny calendar: Fri 2026-10-02 is a holiday, Sat 2026-10-10 an adjusted working day; 2026 loaded.
CAL = WorkCalendar(
    holidays=frozenset({date(2026, 10, 2)}),
    adjusted_workdays=frozenset({date(2026, 10, 10)}),
    loaded_years=frozenset({2026}),
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 10, 1), True),  # Thursday, not listed in this tiny calendar
        (date(2026, 10, 2), False),  # holiday
        (date(2026, 10, 3), False),  # plain Saturday
        (date(2026, 10, 10), True),  # adjusted working Saturday
        (date(2026, 10, 11), False),  # plain Sunday
    ],
)
def test_is_working_day(day, expected):
    assert CAL.is_working_day(day) is expected


@pytest.mark.parametrize(
    ("start", "n", "expected", "provisional"),
    [
        (date(2026, 10, 1), 0, date(2026, 10, 1), False),  # zero days: the day itself
        (date(2026, 10, 1), 1, date(2026, 10, 5), False),  # skips holiday Fri and the weekend
        (date(2026, 10, 9), 1, date(2026, 10, 10), False),  # adjusted Saturday counts
        (date(2026, 10, 10), 1, date(2026, 10, 12), False),  # the start day never counts
        (date(2026, 12, 30), 2, date(2027, 1, 1), True),  # 2027 is not loaded: Mon–Fri, provisional
        (date(2026, 12, 31), 0, date(2026, 12, 31), False),
    ],
)
def test_add_working_days(start, n, expected, provisional):
    result = CAL.add_working_days(start, n)
    assert (result.date, result.provisional) == (expected, provisional)


def test_negative_count_is_refused():
    with pytest.raises(ValueError):
        CAL.add_working_days(date(2026, 10, 1), -1)


@pytest.mark.parametrize(
    "event_at",
    [
        datetime(2026, 9, 30, 0, 0, tzinfo=SH),
        datetime(2026, 9, 30, 23, 59, 59, tzinfo=SH),
        # 2026-09-30 15:59:59 UTC is still 23:59:59 on the 30th in Shanghai.
        datetime(2026, 9, 30, 15, 59, 59, tzinfo=ZoneInfo("UTC")),
    ],
)
def test_deadline_uses_the_local_date_and_ends_at_23_59_59(event_at):
    result = CAL.deadline(event_at, 1)
    assert result.at == datetime.combine(date(2026, 10, 1), time(23, 59, 59), tzinfo=SH)
    assert result.date == date(2026, 10, 1)


def test_deadline_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        CAL.deadline(datetime(2026, 9, 30, 12, 0), 1)  # noqa: DTZ001 - the point of the test


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 10, 1), date(2026, 10, 1), 0),
        (date(2026, 10, 1), date(2026, 10, 5), 1),  # Fri holiday, weekend, Mon
        (date(2026, 10, 5), date(2026, 10, 1), -1),  # overdue by one working day
        (date(2026, 10, 9), date(2026, 10, 12), 2),  # adjusted Saturday + Monday
    ],
)
def test_working_days_between(start, end, expected):
    assert CAL.working_days_between(start, end) == expected
