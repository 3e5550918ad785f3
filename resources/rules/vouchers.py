"""Compute and model vouchers (算力券、模型券, RULEBOOK §6): the pure decisions.

No database, no clock: every function takes the amounts and moments it compares. The services,
the selectors and the pages call these; the tests check every boundary by tables of cases.

Decisions (the regulation and RULEBOOK are silent; written down in docs/resources.md):

- **Applications** are taken from the programme's opening day through its closing day
  (Asia/Shanghai, both included), once it is published.
- **Cap and budget**: an approval may not take the resident's grants in the programme above its
  per-resident cap, nor the programme's grants above its budget (amounts in the programme's unit).
- **Expiry**: a grant issued on day D with a validity of N days can be used through the end of
  D + N (local); it expires at 00:00 of the day after. What is left then is expired — it
  returns nothing (no cash, no transfer).
- **Warnings**: from ``expiry_warning_days`` calendar days before the expiry on.
- **Review deadline**: decided on or before the due day is on time; undecided after it is overdue.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

ZERO = Decimal("0.00")


class Refusal(StrEnum):
    """Why an application, an approval or a use is refused (services turn these into sentences)."""

    NOT_PUBLISHED = "not_published"
    NOT_OPEN_YET = "not_open_yet"
    CLOSED = "closed"
    NOT_POSITIVE = "not_positive"
    OVER_CAP = "over_cap"
    OVER_BUDGET = "over_budget"
    FROZEN = "frozen"
    EXPIRED = "expired"
    ENDED = "ended"
    OVER_BALANCE = "over_balance"
    NOT_YET_VALID = "not_yet_valid"


# --- Applications ----------------------------------------------------------------------------------


def application_refusal(*, published: bool, opens_on: date, closes_on: date, today: date) -> Refusal | None:
    """Whether a programme takes applications today: published, and ``opens_on <= today <= closes_on``."""
    if not published:
        return Refusal.NOT_PUBLISHED
    if today < opens_on:
        return Refusal.NOT_OPEN_YET
    if today > closes_on:
        return Refusal.CLOSED
    return None


def cap_left(*, cap: Decimal, granted: Decimal) -> Decimal:
    """What the resident may still be granted in the programme (never below zero)."""
    return max(cap - granted, ZERO)


def approval_refusal(
    *, amount: Decimal, cap: Decimal, granted_to_resident: Decimal, budget: Decimal, granted_total: Decimal
) -> Refusal | None:
    """An approval of ``amount``: positive, within the resident's cap and the programme's budget."""
    if amount <= 0:
        return Refusal.NOT_POSITIVE
    if granted_to_resident + amount > cap:
        return Refusal.OVER_CAP
    if granted_total + amount > budget:
        return Refusal.OVER_BUDGET
    return None


def budget_left(*, budget: Decimal, granted_total: Decimal) -> Decimal:
    return max(budget - granted_total, ZERO)


# --- Expiry ------------------------------------------------------------------------------------------


def expires_at(*, issued_on: date, validity_days: int) -> datetime:
    """00:00 (Asia/Shanghai) of the day after ``issued_on + validity_days``: usable through that whole day."""
    return datetime.combine(issued_on + timedelta(days=validity_days + 1), time.min, tzinfo=SHANGHAI)


def last_day(expiry: datetime) -> date:
    """The last day a grant can be used (the day before its expiry moment, local)."""
    return (expiry.astimezone(SHANGHAI) - timedelta(microseconds=1)).date()


def is_expired(*, expiry: datetime, now: datetime) -> bool:
    return now >= expiry


def warning_from(*, expiry: datetime, warning_days: int) -> datetime:
    """From when the resident is warned: ``warning_days`` calendar days before the expiry moment."""
    return expiry - timedelta(days=warning_days)


def expires_soon(*, expiry: datetime, balance: Decimal, now: datetime, warning_days: int) -> bool:
    """A balance left that expires within the warning period (not yet expired)."""
    return balance > 0 and warning_from(expiry=expiry, warning_days=warning_days) <= now < expiry


# --- Balance ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GrantState:
    """What a use is judged against (a grant's row, read under its lock)."""

    balance: Decimal
    issued_at: datetime
    expires_at: datetime
    frozen: bool = False
    ended: bool = False


def use_refusal(grant: GrantState, *, amount: Decimal, used_at: datetime, now: datetime) -> Refusal | None:
    """Whether a use of ``amount`` at ``used_at`` (recorded ``now``) is refused.

    A frozen or ended grant takes no use; an expired one neither (a use dated before the expiry is
    still recorded while the balance is there: a provider's statement arrives late); ``amount`` must
    be positive and at most the balance — the balance never goes below zero.
    """
    if amount <= 0:
        return Refusal.NOT_POSITIVE
    if grant.ended:
        return Refusal.ENDED
    if grant.frozen:
        return Refusal.FROZEN
    if used_at < grant.issued_at:
        return Refusal.NOT_YET_VALID
    if is_expired(expiry=grant.expires_at, now=used_at) or is_expired(expiry=grant.expires_at, now=now):
        return Refusal.EXPIRED
    if amount > grant.balance:
        return Refusal.OVER_BALANCE
    return None


def balance_after(*, balance: Decimal, amount: Decimal) -> Decimal:
    """The balance after a use; a use larger than the balance is refused, never clipped."""
    if amount > balance:
        raise ValueError("a use larger than the balance is refused")
    return balance - amount


# --- Review deadline (SLA) -------------------------------------------------------------------------------


class Sla(StrEnum):
    MET = "met"
    LATE = "late"
    PENDING = "pending"
    OVERDUE = "overdue"


def review_sla(*, due_at: datetime, decided_at: datetime | None, now: datetime) -> Sla:
    """Decided on or before the due day: met; after it: late; undecided after the due day: overdue."""
    due_day = due_at.astimezone(SHANGHAI).date()
    if decided_at is not None:
        return Sla.MET if decided_at.astimezone(SHANGHAI).date() <= due_day else Sla.LATE
    return Sla.OVERDUE if now.astimezone(SHANGHAI).date() > due_day else Sla.PENDING


def uptake_percent(*, granted: Decimal, used: Decimal) -> Decimal | None:
    """Used ÷ granted in % (one decimal), None when nothing was granted (the uptake report)."""
    if granted <= 0:
        return None
    return (used * 100 / granted).quantize(Decimal("0.1"))
