"""Quarter arithmetic (pure): calendar bounds in Asia/Shanghai and the previous quarters."""

from datetime import date, datetime, time, timedelta

from opc_community.workdays.rules import SHANGHAI


def first_day(year: int, number: int) -> date:
    return date(year, 3 * (number - 1) + 1, 1)


def last_day(year: int, number: int) -> date:
    year_after, number_after = (year + 1, 1) if number == 4 else (year, number + 1)
    return first_day(year_after, number_after) - timedelta(days=1)


def bounds(year: int, number: int) -> tuple[datetime, datetime]:
    """[first day 00:00, day after the last day 00:00) in Asia/Shanghai."""
    start = datetime.combine(first_day(year, number), time.min, tzinfo=SHANGHAI)
    end = datetime.combine(last_day(year, number) + timedelta(days=1), time.min, tzinfo=SHANGHAI)
    return start, end


def previous(year: int, number: int, count: int) -> list[tuple[int, int]]:
    """The ``count`` quarters before (year, number), most recent first."""
    quarters = []
    for _ in range(count):
        year, number = (year - 1, 4) if number == 1 else (year, number - 1)
        quarters.append((year, number))
    return quarters


def containing(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1
