"""Service requests of the full-cycle services (全周期创业服务, 第五章第三条) as pure functions.

The SLA is the complaints' (``residents.rules.complaints``, 第四章第四条): the same definitions of
on time (on or before the due *day*), late and overdue now, and the same countdown. Only the numbers
differ, and they are rule data (``stage_services.response_working_days``, ``resolution_working_days``).
"""

from datetime import datetime

from opc_community.workdays.rules import WorkCalendar
from residents.rules import complaints as sla
from residents.rules.complaints import Countdown, DueKind, SlaState

__all__ = ["Countdown", "DueKind", "SlaState", "countdown", "may_cancel", "may_rate", "next_due",
           "resolution_state", "response_state"]

# Mirrors of the status values (kept here so that the rules stay free of the ORM).
SUBMITTED, IN_PROGRESS, CLOSED, CANCELLED = "submitted", "in_progress", "closed", "cancelled"
RATING_MIN = 1
RATING_MAX = 5


def is_open(status: str) -> bool:
    return status in (SUBMITTED, IN_PROGRESS)


def may_cancel(status: str) -> bool:
    """The resident withdraws a request until it is closed."""
    return is_open(status)


def may_rate(status: str, rated: bool) -> bool:
    """The resident rates a closed request once (第五章第四条: the residents' view of the service)."""
    return status == CLOSED and not rated


def response_state(*, response_due_at: datetime, responded_at: datetime | None, now: datetime) -> SlaState:
    return sla.sla_state(due_at=response_due_at, done_at=responded_at, now=now)


def resolution_state(*, resolution_due_at: datetime, closed_at: datetime | None, status: str,
                     now: datetime) -> SlaState | None:
    """The resolution deadline; None for a cancelled request (nothing was to be resolved)."""
    if status == CANCELLED:
        return None
    return sla.sla_state(due_at=resolution_due_at, done_at=closed_at, now=now)


def next_due(*, status: str, responded: bool, response_due_at: datetime,
             resolution_due_at: datetime) -> tuple[DueKind, datetime] | None:
    """The deadline the team works against now: the response until the first response, then the
    resolution; none once the request is closed or cancelled."""
    if not is_open(status):
        return None
    if not responded:
        return DueKind.RESPONSE, response_due_at
    return DueKind.SOLUTION, resolution_due_at


def countdown(calendar: WorkCalendar, *, status: str, responded: bool, response_due_at: datetime,
              resolution_due_at: datetime, now: datetime) -> Countdown | None:
    upcoming = next_due(status=status, responded=responded, response_due_at=response_due_at,
                        resolution_due_at=resolution_due_at)
    if upcoming is None:
        return None
    kind, due_at = upcoming
    return sla.countdown(calendar, due_at=due_at, kind=kind, now=now)


def overdue_kinds(*, status: str, responded_at: datetime | None, response_due_at: datetime,
                  resolution_due_at: datetime, now: datetime) -> list[DueKind]:
    """The deadlines of an open request that are overdue now (the admin's flag and the daily notice)."""
    if not is_open(status):
        return []
    kinds = []
    if sla.is_overdue_now(due_at=response_due_at, done_at=responded_at, now=now):
        kinds.append(DueKind.RESPONSE)
    if sla.is_overdue_now(due_at=resolution_due_at, done_at=None, now=now):
        kinds.append(DueKind.SOLUTION)
    return kinds
