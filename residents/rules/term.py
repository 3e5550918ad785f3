"""Pure rules of the term, renewal and exits (第三章第三条、第四条).

No database, no clock: callers pass ``today`` and numbers from the rulebook section.
"""

from calendar import monthrange
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from residents.models.residency import ExitKind, ExitStatus, FeePeriod

# --- Term (第三章第三条) -------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def agreement_end(start: date, months: int) -> date:
    """Last day of an agreement of ``months`` months starting on ``start`` (12 months → the day before the anniversary)."""
    return add_months(start, months) - timedelta(days=1)


def renewal_reminder_date(end: date, reminder_days: int) -> date:
    """The day the renewal reminder is due: ``reminder_days`` calendar days before the end date."""
    return end - timedelta(days=reminder_days)


def renewal_reminder_due(end: date, reminder_days: int, today: date) -> bool:
    """The reminder is due from its date up to the end date itself (第三章第三条; RULEBOOK §4.2).

    **Decision**: a run missed on the day (server down) catches up on the next run before the
    end date; "once" is the caller's compare-and-set on ``renewal_reminder_sent_at``.
    """
    return renewal_reminder_date(end, reminder_days) <= today <= end


def renewal_term(old_end: date, months: int) -> tuple[date, date]:
    """The renewed agreement: ``months`` months from the day after the old one ends (RULEBOOK §4.3)."""
    start = old_end + timedelta(days=1)
    return start, agreement_end(start, months)


def expired(end: date, today: date) -> bool:
    """An agreement has expired once its end date is behind us (the end date itself still counts)."""
    return end < today


def grace_end(end: date, grace_days: int) -> date:
    """Last day of the grace period (缓冲期) after an agreement ended unrenewed (第三章第四条)."""
    return end + timedelta(days=grace_days)


def days_after_grace(end: date, grace_days: int, today: date) -> int:
    """Days of overdue exit counted after the grace period (RULEBOOK §4.4, §9 1b); 0 within grace."""
    return max((today - grace_end(end, grace_days)).days, 0)


def days_after(grace_ends_on: date, today: date) -> int:
    """Days of overdue exit after a stored grace end (same count as :func:`days_after_grace`)."""
    return max((today - grace_ends_on).days, 0)


def expiry_grace_end(end: date, grace_days: int, *, renewal_refused_on: date | None = None) -> date:
    """Last day of the grace period of an expiry exit (RULEBOOK §4.4).

    **Decision**: a renewal requested in time but refused by staff only after the end date
    must not cost the resident grace days: the grace period then runs from the refusal date.
    """
    start = max(end, renewal_refused_on) if renewal_refused_on else end
    return grace_end(start, grace_days)


def earliest_voluntary_exit(requested_on: date, notice_days: int) -> date:
    """A voluntary exit needs ``notice_days`` calendar days' written notice (第三章第四条)."""
    return requested_on + timedelta(days=notice_days)


def voluntary_exit_allowed(requested_on: date, exit_on: date, notice_days: int) -> bool:
    """The exit date is at least ``notice_days`` days after the written request (15 → the 15th day is fine)."""
    return exit_on >= earliest_voluntary_exit(requested_on, notice_days)


def ban_end(start: date, years: int) -> date:
    """Last day of a re-application ban of ``years`` years starting on ``start``."""
    return add_months(start, 12 * years) - timedelta(days=1)


def ban_end_kept(existing_end: date | None, new_end: date) -> date:
    """Where two bans apply, the longer one wins (RULEBOOK §4.6 decision): the later last day."""
    return new_end if existing_end is None else max(existing_end, new_end)


def retention_end(exited_on: date, years: int) -> date:
    """Last day the archive must be kept: ``years`` years after the exit (第三章第五条; 29 Feb → 28 Feb)."""
    return add_months(exited_on, 12 * years)


# --- Settling the ledger at exit (第三章第四条 结清费用; RULEBOOK §4.5) --------------------


@dataclass(frozen=True)
class Settlement:
    """What happens to the deposit and the open invoices when an exit settles the ledger.

    ``applied`` pairs each invoice key with the part of the deposit that pays it;
    ``unpaid`` is what is still owed after that; ``refunded``/``forfeited`` what is left
    of the deposit and where it goes.
    """

    applied: tuple[tuple[Hashable, Decimal], ...]
    refunded: Decimal
    forfeited: Decimal
    unpaid: Decimal

    @property
    def applied_total(self) -> Decimal:
        return sum((amount for _, amount in self.applied), Decimal("0.00"))


def settlement(*, deposit_held: Decimal, balances: Sequence[tuple[Hashable, Decimal]], forfeit: bool) -> Settlement:
    """Settle an exit's ledger (**Decision**, RULEBOOK §4.5):

    - deposit forfeited (forced exit, 没收保证金): the whole deposit held is forfeited; it is a
      penalty, not a payment, so the open invoices stay owed in full;
    - deposit refunded (voluntary, expiry, assessment): the deposit first pays the open
      invoices in the order given (oldest due first), then what is left is refunded. Nothing
      is refunded while anything is still owed.
    """
    owed = sum((balance for _, balance in balances), Decimal("0.00"))
    if forfeit:
        return Settlement(applied=(), refunded=Decimal("0.00"), forfeited=deposit_held, unpaid=owed)
    left = deposit_held
    applied = []
    for key, balance in balances:
        if left <= 0:
            break
        part = min(left, balance)
        if part > 0:
            applied.append((key, part))
            left -= part
    applied_total = sum((amount for _, amount in applied), Decimal("0.00"))
    return Settlement(
        applied=tuple(applied), refunded=left, forfeited=Decimal("0.00"), unpaid=owed - applied_total
    )


# --- Renewal conditions (第三章第三条; RULEBOOK §4.3) ---------------------------------
# Each condition is judged by the app that owns its facts (``residents.extensions``): the fees here,
# penalties and rectification notices in ``discipline.rules``; the project's fit is the staff's answer.


def fees_paid_on_time(*, paid_late: int, overdue_unpaid: int) -> bool:
    """All fees paid on time this term: no invoice paid after its due date, none overdue and still unpaid."""
    return paid_late == 0 and overdue_unpaid == 0


def exit_withdrawable(*, kind: str, status: str) -> bool:
    """The resident withdraws only its own voluntary exit application, before staff confirm it (第三章第四条)."""
    return kind == ExitKind.VOLUNTARY and status == ExitStatus.REQUESTED


def renewal_allowed(conditions: Sequence[Any]) -> bool:
    """Renewal needs every condition met: a failed one refuses, one still waiting for staff (None) holds it."""
    return all(condition.met is True for condition in conditions)


# --- The fee schedule ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeeCharge:
    index: int
    period_start: date
    period_end: date
    due_on: date
    amount: Decimal


def fee_schedule(*, starts_on: date, months: int, fee_period: str, fee_amount: Decimal) -> list[FeeCharge]:
    """The invoices of a term: a monthly fee in one invoice per month of the term, each due on its
    month's first day; a fee per term in one invoice due on the start date; none for a zero fee
    (费用“如有”; the decision is documented in :mod:`residents.services.agreements`)."""
    if fee_amount <= 0:
        return []
    if fee_period == FeePeriod.TERM:
        return [FeeCharge(0, starts_on, agreement_end(starts_on, months), starts_on, fee_amount)]
    return [
        FeeCharge(i, add_months(starts_on, i), add_months(starts_on, i + 1) - timedelta(days=1),
                  add_months(starts_on, i), fee_amount)
        for i in range(months)
    ]
