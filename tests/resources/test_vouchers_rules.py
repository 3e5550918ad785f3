"""The pure voucher rules (RULEBOOK §6): tables of boundary cases — application window, cap and budget,
balance, expiry and warnings, review deadline."""

from datetime import date, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest

from resources.rules import vouchers as rules
from resources.rules.vouchers import Refusal, Sla

SH = ZoneInfo("Asia/Shanghai")


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.mark.parametrize(("published", "today", "expected"), [
    (False, date(2026, 10, 12), Refusal.NOT_PUBLISHED),
    (True, date(2026, 9, 30), Refusal.NOT_OPEN_YET),
    (True, date(2026, 10, 1), None),  # the opening day is in
    (True, date(2026, 12, 31), None),  # the closing day is in
    (True, date(2027, 1, 1), Refusal.CLOSED),
])
def test_application_window(published, today, expected):
    assert rules.application_refusal(published=published, opens_on=date(2026, 10, 1), closes_on=date(2026, 12, 31),
                                     today=today) == expected


@pytest.mark.parametrize(("amount", "to_resident", "total", "expected"), [
    ("0", "0", "0", Refusal.NOT_POSITIVE),
    ("-1", "0", "0", Refusal.NOT_POSITIVE),
    ("2000", "0", "0", None),  # exactly the cap
    ("2000.01", "0", "0", Refusal.OVER_CAP),
    ("1000", "1000", "0", None),
    ("1000.01", "1000", "0", Refusal.OVER_CAP),
    ("1000", "0", "9000", None),  # exactly the budget
    ("1000", "0", "9000.01", Refusal.OVER_BUDGET),
])
def test_approval_within_cap_and_budget(amount, to_resident, total, expected):
    assert rules.approval_refusal(amount=D(amount), cap=D("2000"), granted_to_resident=D(to_resident),
                                  budget=D("10000"), granted_total=D(total)) == expected


@pytest.mark.parametrize(("cap", "granted", "left"), [("2000", "0", "2000"), ("2000", "2000", "0"),
                                                     ("2000", "2500", "0.00")])
def test_cap_left_never_below_zero(cap, granted, left):
    assert rules.cap_left(cap=D(cap), granted=D(granted)) == D(left)


def test_expiry_is_the_start_of_the_day_after_the_last_valid_day():
    expiry = rules.expires_at(issued_on=date(2026, 10, 12), validity_days=90)
    assert expiry == sh(2027, 1, 11, 0, 0)
    assert rules.last_day(expiry) == date(2027, 1, 10)


@pytest.mark.parametrize(("now", "expired"), [
    (sh(2027, 1, 10, 23, 59, 59), False),
    (sh(2027, 1, 11, 0, 0), True),
])
def test_is_expired_boundary(now, expired):
    assert rules.is_expired(expiry=sh(2027, 1, 11), now=now) is expired


@pytest.mark.parametrize(("now", "balance", "soon"), [
    (sh(2026, 12, 27, 23, 59), "10", False),  # 14 days + 1 minute before
    (sh(2026, 12, 28, 0, 0), "10", True),  # exactly 14 days before
    (sh(2027, 1, 10, 23, 59), "10", True),
    (sh(2027, 1, 11, 0, 0), "10", False),  # expired: no longer a warning
    (sh(2027, 1, 5), "0", False),  # nothing left to lose
])
def test_expiry_warning_period(now, balance, soon):
    assert rules.expires_soon(expiry=sh(2027, 1, 11), balance=D(balance), now=now, warning_days=14) is soon


GRANT = rules.GrantState(balance=D("100"), issued_at=sh(2026, 10, 12, 10), expires_at=sh(2027, 1, 11))


@pytest.mark.parametrize(("grant", "amount", "used_at", "now", "expected"), [
    (GRANT, "100", sh(2026, 10, 13), sh(2026, 10, 13), None),  # the whole balance
    (GRANT, "100.01", sh(2026, 10, 13), sh(2026, 10, 13), Refusal.OVER_BALANCE),
    (GRANT, "0", sh(2026, 10, 13), sh(2026, 10, 13), Refusal.NOT_POSITIVE),
    (GRANT, "1", sh(2026, 10, 12, 9), sh(2026, 10, 13), Refusal.NOT_YET_VALID),
    (GRANT, "1", sh(2027, 1, 10, 23, 59), sh(2027, 1, 10, 23, 59), None),
    (GRANT, "1", sh(2027, 1, 11), sh(2027, 1, 11), Refusal.EXPIRED),
    (GRANT, "1", sh(2027, 1, 10), sh(2027, 1, 12), Refusal.EXPIRED),  # recorded after the expiry
    (rules.GrantState(**{**GRANT.__dict__, "frozen": True}), "1", sh(2026, 10, 13), sh(2026, 10, 13),
     Refusal.FROZEN),
    (rules.GrantState(**{**GRANT.__dict__, "ended": True}), "1", sh(2026, 10, 13), sh(2026, 10, 13),
     Refusal.ENDED),
    (rules.GrantState(**{**GRANT.__dict__, "balance": D("0")}), "0.01", sh(2026, 10, 13), sh(2026, 10, 13),
     Refusal.OVER_BALANCE),
])
def test_use_refusal(grant, amount, used_at, now, expected):
    assert rules.use_refusal(grant, amount=D(amount), used_at=used_at, now=now) == expected


@pytest.mark.parametrize(("balance", "amount", "after"), [("100", "100", "0"), ("100", "0.01", "99.99")])
def test_balance_after(balance, amount, after):
    assert rules.balance_after(balance=D(balance), amount=D(amount)) == D(after)


def test_balance_after_refuses_an_overdraft():
    with pytest.raises(ValueError):
        rules.balance_after(balance=D("1"), amount=D("1.01"))


DUE = sh(2026, 10, 19, 23, 59, 59)


@pytest.mark.parametrize(("decided_at", "now", "expected"), [
    (None, sh(2026, 10, 19, 23, 59), Sla.PENDING),
    (None, sh(2026, 10, 20, 0, 0), Sla.OVERDUE),
    (sh(2026, 10, 19, 23, 59, 59), sh(2026, 10, 25), Sla.MET),
    (sh(2026, 10, 20, 0, 0), sh(2026, 10, 25), Sla.LATE),
])
def test_review_deadline(decided_at, now, expected):
    assert rules.review_sla(due_at=DUE, decided_at=decided_at, now=now) == expected


@pytest.mark.parametrize(("granted", "used", "percent"), [("0", "0", None), ("1000", "250", D("25.0")),
                                                          ("3", "1", D("33.3"))])
def test_uptake_percent(granted, used, percent):
    assert rules.uptake_percent(granted=D(granted), used=D(used)) == percent


def test_validity_spans_the_days_counted():
    issued = date(2026, 10, 12)
    assert rules.last_day(rules.expires_at(issued_on=issued, validity_days=1)) == issued + timedelta(days=1)
