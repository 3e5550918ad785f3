"""Pure rules of equipment lending (公共资源, 第四章第二条; RULEBOOK §6, decisions made here).

Inputs in, decision out; no database, no clock. The numbers come from the rulebook's
``equipment`` section (the caller passes the version in force on the day of the request).

Decisions the regulation leaves open:

- the resident chooses the due time when reserving; it lies after the request and at most the
  category's ``max_loan_days`` × 24 hours later (exactly that long is allowed);
- a resident holds at most ``max_concurrent_loans`` open loans (reserved or out) at once;
- overdue days are started 24-hour periods after the due time: returned at the due time exactly → 0,
  one second later → 1, 24 hours later → 1, 24 hours and a second → 2;
- a reservation not collected by its due time lapses (the daily job cancels it, the item is free).
"""

import math
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

OPEN_STATUSES = frozenset({"requested", "out"})
_DAY = timedelta(days=1)


def max_loan_days(rules: Any, category: str) -> int:
    """The category's loan limit in days (``rules`` is the rulebook's ``equipment`` section)."""
    return int(rules.categories[category].max_loan_days)


def latest_due(*, requested_at: datetime, max_days: int) -> datetime:
    return requested_at + timedelta(days=max_days)


def due_problem(*, due_at: datetime, requested_at: datetime, max_days: int) -> str | None:
    """Why ``due_at`` is not acceptable — ``"past"`` (not after the request) or ``"too_long"`` (beyond the
    category's limit) — or None."""
    if due_at <= requested_at:
        return "past"
    if due_at > latest_due(requested_at=requested_at, max_days=max_days):
        return "too_long"
    return None


def over_loan_limit(*, open_loans: int, limit: int) -> bool:
    """True when a resident already holding ``open_loans`` may not reserve one more."""
    return open_loans >= limit


def overdue_days(*, due_at: datetime, at: datetime) -> int:
    """Started 24-hour periods between the due time and ``at`` (the return, or now); 0 when not late."""
    if at <= due_at:
        return 0
    return math.ceil((at - due_at) / _DAY)


def is_overdue(*, status: str, due_at: datetime, now: datetime) -> bool:
    """An item still out after its due time."""
    return status == "out" and now > due_at


def lapsed(*, status: str, due_at: datetime, now: datetime) -> bool:
    """A reservation never collected whose due time has passed: the daily job cancels it."""
    return status == "requested" and now > due_at


def return_problem(*, condition_in: str, damage_value: Decimal | None) -> str | None:
    """Why a return's check is incomplete: a damaged item needs the value of the damage (``"value_missing"``);
    a value on an undamaged item is refused (``"value_not_damaged"``); a negative value (``"negative"``)."""
    if damage_value is not None and damage_value < 0:
        return "negative"
    if condition_in == "damaged" and damage_value is None:
        return "value_missing"
    if condition_in != "damaged" and damage_value not in (None, Decimal(0)):
        return "value_not_damaged"
    return None


def can_cancel(*, status: str) -> bool:
    """The resident (or staff) cancels a reservation before the item is handed out."""
    return status == "requested"
