"""Pure rules of scenario matchmaking and policy help (第五章第二条; RULEBOOK §6): who may still
express interest or ask for help, which outcome needs an amount, the quarter of a day, the response
deadline's state and the reminder day. No database, no clock: ``today``/``now`` are arguments."""

from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Refusal(StrEnum):
    NOT_PUBLISHED = "not_published"
    PAST_DEADLINE = "past_deadline"


def open_refusal(*, published: bool, deadline: date, today: date) -> Refusal | None:
    """An interest (or its proposal's edit) and a request for help are taken while the scenario or the
    policy is published, up to and including its deadline day."""
    if not published:
        return Refusal.NOT_PUBLISHED
    if today > deadline:
        return Refusal.PAST_DEADLINE
    return None


#: The outcomes that carry an amount: the funded amount, the order's value (a signed agreement may
#: give its value; "no deal" never has one).
AMOUNT_REQUIRED = frozenset({"funded", "order"})
AMOUNT_ALLOWED = frozenset({"funded", "order", "signed"})


def amount_refusal(*, outcome: str, has_amount: bool) -> str | None:
    """``"required"`` when the outcome needs an amount and has none, ``"not_allowed"`` when it has
    one it cannot carry, else None."""
    if outcome in AMOUNT_REQUIRED and not has_amount:
        return "required"
    if has_amount and outcome not in AMOUNT_ALLOWED:
        return "not_allowed"
    return None


class Sla(StrEnum):
    MET = "met"
    LATE = "late"
    PENDING = "pending"
    OVERDUE = "overdue"


def response_sla(*, due_at: datetime, answered_at: datetime | None, now: datetime) -> Sla:
    """Answered on or before the due day: met; after it: late; unanswered after the due day: overdue."""
    due_day = due_at.astimezone(SHANGHAI).date()
    if answered_at is not None:
        return Sla.MET if answered_at.astimezone(SHANGHAI).date() <= due_day else Sla.LATE
    return Sla.OVERDUE if now.astimezone(SHANGHAI).date() > due_day else Sla.PENDING


def reminder_due(*, deadline: date, today: date, days_before: int) -> bool:
    """Whether the deadline reminder goes out today: from ``days_before`` days before the deadline up to
    the deadline day itself (a job that missed the first day still reminds, once)."""
    return deadline - timedelta(days=days_before) <= today <= deadline
