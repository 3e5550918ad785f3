"""Pure rules of the term, renewal, exits, bans and retention (第三章第三条至第五条): tables at every boundary.

No database: the numbers (30-day reminder, 7-day grace, 15 days' notice, 3-year bans and
retention) are passed in as the rulebook's seed version has them.
"""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from residents.rules.term import (
    add_months,
    agreement_end,
    ban_end,
    ban_end_kept,
    days_after,
    days_after_grace,
    earliest_voluntary_exit,
    exit_withdrawable,
    expired,
    expiry_grace_end,
    fees_paid_on_time,
    grace_end,
    renewal_allowed,
    renewal_reminder_date,
    renewal_reminder_due,
    renewal_term,
    retention_end,
    settlement,
    voluntary_exit_allowed,
)

REMINDER_DAYS, GRACE_DAYS, NOTICE_DAYS, RETENTION_YEARS = 30, 7, 15, 3
END = date(2027, 3, 31)
D = Decimal


# --- Term ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2026, 4, 1), 12, date(2027, 3, 31)),
        (date(2026, 1, 31), 1, date(2026, 2, 27)),  # 31 Jan + 1 month = 28 Feb, the term ends the day before
        (date(2027, 2, 28), 12, date(2028, 2, 27)),
        (date(2028, 2, 29), 12, date(2029, 2, 27)),  # leap day: anniversary clamps to 28 Feb
        (date(2026, 12, 15), 12, date(2027, 12, 14)),
    ],
)
def test_agreement_end(start, months, end):
    assert agreement_end(start, months) == end


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [(date(2026, 1, 31), 1, date(2026, 2, 28)), (date(2028, 1, 31), 1, date(2028, 2, 29)),
     (date(2026, 11, 30), 3, date(2027, 2, 28)), (date(2026, 5, 15), 24, date(2028, 5, 15))],
)
def test_add_months_clamps_to_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("old_end", "start", "end"),
    [
        (date(2027, 3, 31), date(2027, 4, 1), date(2028, 3, 31)),
        (date(2027, 12, 31), date(2028, 1, 1), date(2028, 12, 31)),
        (date(2028, 2, 28), date(2028, 2, 29), date(2029, 2, 27)),  # starts on a leap day
    ],
)
def test_a_renewal_starts_the_day_after_the_old_agreement_ends(old_end, start, end):
    assert renewal_term(old_end, 12) == (start, end)


# --- Reminder 30 days before the end (RULEBOOK §4.2) ------------------------------------------


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (date(2027, 2, 28), False),  # 31 days before the end date
        (date(2027, 3, 1), True),  # exactly 30 days before: the reminder's day
        (date(2027, 3, 2), True),  # 29 days before: a missed run catches up
        (date(2027, 3, 31), True),  # the end date itself
        (date(2027, 4, 1), False),  # ended: too late to remind
    ],
)
def test_renewal_reminder_due(today, due):
    assert renewal_reminder_date(END, REMINDER_DAYS) == date(2027, 3, 1)
    assert renewal_reminder_due(END, REMINDER_DAYS, today) is due


@pytest.mark.parametrize(
    ("today", "is_expired"),
    [(date(2027, 3, 30), False), (date(2027, 3, 31), False), (date(2027, 4, 1), True)],
)
def test_expired_after_the_end_date(today, is_expired):
    assert expired(END, today) is is_expired


# --- Grace period and overdue exit (RULEBOOK §4.4) --------------------------------------------


@pytest.mark.parametrize(
    ("today", "days"),
    [
        (date(2027, 4, 1), 0),  # day 1 of the grace period
        (date(2027, 4, 7), 0),  # grace day 7: the last day
        (date(2027, 4, 8), 1),  # the first day after the grace period
        (date(2027, 4, 15), 8),
        (date(2027, 3, 20), 0),  # before the end: never negative
    ],
)
def test_days_after_grace(today, days):
    assert grace_end(END, GRACE_DAYS) == date(2027, 4, 7)
    assert days_after_grace(END, GRACE_DAYS, today) == days
    assert days_after(grace_end(END, GRACE_DAYS), today) == days


@pytest.mark.parametrize(
    ("refused_on", "last_grace_day"),
    [
        (None, date(2027, 4, 7)),
        (date(2027, 3, 20), date(2027, 4, 7)),  # refused in time: grace from the end date
        (date(2027, 3, 31), date(2027, 4, 7)),
        (date(2027, 4, 3), date(2027, 4, 10)),  # refused after the end: grace from the refusal
    ],
)
def test_expiry_grace_end_after_a_late_refusal(refused_on, last_grace_day):
    assert expiry_grace_end(END, GRACE_DAYS, renewal_refused_on=refused_on) == last_grace_day


# --- Voluntary exit: 15 days' notice (第三章第四条) ------------------------------------------


@pytest.mark.parametrize(
    ("exit_on", "allowed"),
    [
        (date(2026, 10, 15), False),  # 14 days' notice
        (date(2026, 10, 16), True),  # exactly 15 days
        (date(2026, 10, 17), True),  # 16 days
        (date(2026, 10, 1), False),  # the day of the request
    ],
)
def test_voluntary_exit_needs_fifteen_days_notice(exit_on, allowed):
    requested_on = date(2026, 10, 1)
    assert earliest_voluntary_exit(requested_on, NOTICE_DAYS) == date(2026, 10, 16)
    assert voluntary_exit_allowed(requested_on, exit_on, NOTICE_DAYS) is allowed


# --- Bans (RULEBOOK §4.6) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "years", "last_day"),
    [
        (date(2026, 10, 8), 1, date(2027, 10, 7)),
        (date(2026, 10, 8), 3, date(2029, 10, 7)),
        (date(2028, 2, 29), 1, date(2029, 2, 27)),  # from a leap day: to the day before 28 Feb 2029
        (date(2028, 2, 29), 3, date(2031, 2, 27)),
        (date(2027, 2, 28), 1, date(2028, 2, 27)),
        (date(2027, 3, 1), 1, date(2028, 2, 29)),  # ends on a leap day
    ],
)
def test_ban_end(start, years, last_day):
    assert ban_end(start, years) == last_day


@pytest.mark.parametrize(
    ("existing", "new", "kept"),
    [
        (None, date(2027, 10, 7), date(2027, 10, 7)),
        (date(2029, 10, 7), date(2027, 10, 7), date(2029, 10, 7)),  # a 3-year ban outlasts a new 1-year ban
        (date(2027, 10, 7), date(2029, 10, 7), date(2029, 10, 7)),
        (date(2029, 10, 7), date(2029, 10, 7), date(2029, 10, 7)),
    ],
)
def test_the_longer_ban_wins(existing, new, kept):
    assert ban_end_kept(existing, new) == kept


# --- Archive retention (第三章第五条) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("exited_on", "kept_until"),
    [(date(2026, 10, 8), date(2029, 10, 8)), (date(2028, 2, 29), date(2031, 2, 28))],
)
def test_retention_three_years_after_exit(exited_on, kept_until):
    assert retention_end(exited_on, RETENTION_YEARS) == kept_until


# --- Renewal conditions (RULEBOOK §4.3) ---------------------------------------------------------


# Each condition is judged by the app that owns its facts; this app's is the fees (the discipline app's
# "no violation" and "cooperation": tests/discipline/test_rules.py), and renewal needs every one met.


@pytest.mark.parametrize(
    ("paid_late", "overdue_unpaid", "met"),
    [(0, 0, True), (1, 0, False), (0, 1, False), (2, 3, False)],
)
def test_fees_paid_on_time(paid_late, overdue_unpaid, met):
    assert fees_paid_on_time(paid_late=paid_late, overdue_unpaid=overdue_unpaid) is met


@pytest.mark.parametrize(
    ("met", "allowed"),
    [
        ([True, True, True, True], True),
        ([False, True, True, True], False),
        ([True, True, True, None], False),  # waiting for staff: not failed, not allowed either
        ([], True),
    ],
)
def test_renewal_allowed(met, allowed):
    assert renewal_allowed([SimpleNamespace(met=value) for value in met]) is allowed


# --- Settling the ledger at exit (RULEBOOK §4.5) ------------------------------------------------


@pytest.mark.parametrize(
    ("held", "balances", "forfeit", "applied", "refunded", "forfeited", "unpaid"),
    [
        # nothing owed: the whole deposit goes back
        (D("2000.00"), [], False, [], D("2000.00"), D("0.00"), D("0.00")),
        # the deposit pays the open invoices, oldest first, and the rest is refunded
        (D("2000.00"), [(1, D("800.00")), (2, D("300.00"))], False, [(1, D("800.00")), (2, D("300.00"))],
         D("900.00"), D("0.00"), D("0.00")),
        # exactly enough: nothing left to refund
        (D("1100.00"), [(1, D("800.00")), (2, D("300.00"))], False, [(1, D("800.00")), (2, D("300.00"))],
         D("0.00"), D("0.00"), D("0.00")),
        # not enough: the deposit is used up and the rest is still owed
        (D("1000.00"), [(1, D("800.00")), (2, D("300.00"))], False, [(1, D("800.00")), (2, D("200.00"))],
         D("0.00"), D("0.00"), D("100.00")),
        # no deposit at all
        (D("0.00"), [(1, D("800.00"))], False, [], D("0.00"), D("0.00"), D("800.00")),
        # forced exit: the whole deposit is forfeited and pays nothing
        (D("2000.00"), [(1, D("800.00"))], True, [], D("0.00"), D("2000.00"), D("800.00")),
        (D("0.00"), [], True, [], D("0.00"), D("0.00"), D("0.00")),
    ],
)
def test_settlement(held, balances, forfeit, applied, refunded, forfeited, unpaid):
    result = settlement(deposit_held=held, balances=balances, forfeit=forfeit)
    assert list(result.applied) == applied
    assert (result.refunded, result.forfeited, result.unpaid) == (refunded, forfeited, unpaid)
    # Money is conserved: what was held is applied, refunded or forfeited.
    assert result.applied_total + result.refunded + result.forfeited == held


@pytest.mark.parametrize(("kind", "status", "allowed"), [
    ("voluntary", "requested", True),
    ("voluntary", "scheduled", False),
    ("voluntary", "completed", False),
    ("expiry", "requested", False),
    ("forced", "scheduled", False),
])
def test_only_an_unconfirmed_voluntary_exit_is_withdrawn(kind, status, allowed):
    """The exit page shows its withdraw button by the predicate ``exit_withdraw`` checks."""
    assert exit_withdrawable(kind=kind, status=status) is allowed
