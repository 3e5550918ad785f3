"""The working-day calendar (RULEBOOK §2). Public API::

    from opc_community import workdays
    workdays.add_working_days(day, n)   # -> WorkingDay(date, provisional)
    workdays.deadline(event_at, n)      # -> Deadline(at, provisional), 23:59:59 Asia/Shanghai
    workdays.working_days_left(until)   # "还剩 N 个工作日"

The functions import the ORM lazily so that this package can be imported while
Django starts (it is an installed app).
"""

from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opc_community.workdays.rules import Deadline, WorkingDay


def add_working_days(day: date, n: int) -> "WorkingDay":
    from opc_community.workdays import selectors

    return selectors.add_working_days(day, n)


def deadline(event_at: datetime, n: int) -> "Deadline":
    from opc_community.workdays import selectors

    return selectors.deadline(event_at, n)


def working_days_left(until: date, *, today: date | None = None) -> int:
    from opc_community.workdays import selectors

    return selectors.working_days_left(until, today=today)
