"""Quarter arithmetic (pure): calendar bounds in Asia/Shanghai, the previous quarters, and which ended
quarters the scheduled run drafts."""

from collections.abc import Mapping
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


def to_draft(today: date, existing: Mapping[tuple[int, int], bool]) -> list[tuple[int, int]]:
    """The quarters the scheduled run drafts on ``today`` (第六章第二条), oldest first: every quarter that
    ended before today and was never run (``existing`` maps each added quarter to whether it was run),
    and the quarter that ended last when it was never added — so a run that missed day 1 makes it up
    on any later day. Never the quarter containing today, nor one added ahead."""
    due = {quarter for quarter, run in existing.items() if not run and last_day(*quarter) < today}
    (last,) = previous(*containing(today), 1)
    if last not in existing:
        due.add(last)
    return sorted(due)
