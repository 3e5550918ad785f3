"""Working-day arithmetic (RULEBOOK §2) as pure functions of a calendar value.

No database and no clock here: a :class:`WorkCalendar` holds the special days
(statutory holidays and adjusted working weekend days, 调休上班日) and the set of
years whose official schedule is loaded. Years without a loaded schedule fall
back to plain Monday–Friday and every result that touches them is marked
provisional.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class WorkingDay:
    """A date found by counting working days, and whether an unloaded year was crossed."""

    date: date
    provisional: bool


@dataclass(frozen=True)
class Deadline:
    """End of a working day (23:59:59 Asia/Shanghai) as an aware datetime."""

    at: datetime
    provisional: bool

    @property
    def date(self) -> date:
        return self.at.astimezone(SHANGHAI).date()


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[date] = frozenset()
    adjusted_workdays: frozenset[date] = frozenset()
    loaded_years: frozenset[int] = frozenset()

    def is_working_day(self, day: date) -> bool:
        if day in self.adjusted_workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def is_provisional(self, day: date) -> bool:
        return day.year not in self.loaded_years

    def add_working_days(self, day: date, n: int) -> WorkingDay:
        """The n-th working day after ``day``; ``day`` itself never counts (RULEBOOK §2 decision)."""
        if n < 0:
            raise ValueError("n must be zero or positive")
        current, found, provisional = day, 0, False
        while found < n:
            current += timedelta(days=1)
            provisional = provisional or self.is_provisional(current)
            if self.is_working_day(current):
                found += 1
        return WorkingDay(current, provisional)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: "还剩 N 个工作日" from today to a deadline's date; negative when overdue."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(self.is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))

    def deadline(self, event_at: datetime, n: int) -> Deadline:
        """End (23:59:59 Asia/Shanghai) of the n-th working day after the event's local date."""
        if event_at.tzinfo is None:
            raise ValueError("event_at must be timezone-aware")
        found = self.add_working_days(event_at.astimezone(SHANGHAI).date(), n)
        return Deadline(datetime.combine(found.date, END_OF_DAY, tzinfo=SHANGHAI), found.provisional)


def local_date(moment: datetime) -> date:
    """The calendar date of an aware datetime in Asia/Shanghai."""
    return moment.astimezone(SHANGHAI).date()
