"""Pure rules of equipment lending (spaces.rules.equipment; 第四章第二条, RULEBOOK §6): tables of boundary cases."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from opc_community.rulebook.schema import Rulebook
from spaces.rules import equipment as rules

SH = ZoneInfo("Asia/Shanghai")
T = datetime(2026, 11, 16, 9, 0, tzinfo=SH)
S = timedelta(seconds=1)
D = timedelta(days=1)


@pytest.mark.parametrize(("due_at", "max_days", "expected"), [
    (T - D, 3, "past"),
    (T, 3, "past"),                 # due at the very moment of the request: not after it
    (T + S, 3, None),
    (T + 3 * D - S, 3, None),
    (T + 3 * D, 3, None),           # exactly the limit is allowed
    (T + 3 * D + S, 3, "too_long"),
    (T + 30 * D, 30, None),
    (T + 30 * D + S, 30, "too_long"),
])
def test_due_time_lies_after_the_request_and_within_the_category_limit(due_at, max_days, expected):
    assert rules.due_problem(due_at=due_at, requested_at=T, max_days=max_days) == expected


@pytest.mark.parametrize(("returned", "days"), [
    (T - D, 0),
    (T, 0),                  # at the due time exactly: on time
    (T + S, 1),              # one second late: one started day
    (T + D - S, 1),
    (T + D, 1),              # 24 hours late: still one day
    (T + D + S, 2),
    (T + 2 * D, 2),
    (T + 7 * D + S, 8),
])
def test_overdue_days_are_started_24_hour_periods_after_the_due_time(returned, days):
    assert rules.overdue_days(due_at=T, at=returned) == days


@pytest.mark.parametrize(("status", "now", "overdue", "lapsed"), [
    ("out", T, False, False),
    ("out", T + S, True, False),
    ("requested", T, False, False),
    ("requested", T + S, False, True),
    ("returned", T + D, False, False),
    ("cancelled", T + D, False, False),
])
def test_overdue_is_out_after_the_due_time_and_a_reservation_lapses(status, now, overdue, lapsed):
    assert rules.is_overdue(status=status, due_at=T, now=now) is overdue
    assert rules.lapsed(status=status, due_at=T, now=now) is lapsed


@pytest.mark.parametrize(("open_loans", "limit", "refused"), [(0, 2, False), (1, 2, False), (2, 2, True), (3, 2, True),
                                                              (0, 1, False), (1, 1, True)])
def test_loan_limit_counts_open_loans(open_loans, limit, refused):
    assert rules.over_loan_limit(open_loans=open_loans, limit=limit) is refused


@pytest.mark.parametrize(("condition", "value", "problem"), [
    ("good", None, None),
    ("worn", None, None),
    ("good", Decimal("0"), None),
    ("good", Decimal("10"), "value_not_damaged"),
    ("damaged", None, "value_missing"),
    ("damaged", Decimal("0"), None),
    ("damaged", Decimal("800.50"), None),
    ("damaged", Decimal("-1"), "negative"),
])
def test_a_damaged_return_needs_the_value_of_the_damage(condition, value, problem):
    assert rules.return_problem(condition_in=condition, damage_value=value) == problem


@pytest.mark.parametrize(("status", "cancellable"), [("requested", True), ("out", False), ("returned", False),
                                                     ("cancelled", False)])
def test_only_a_reservation_not_yet_handed_out_is_cancelled(status, cancellable):
    assert rules.can_cancel(status=status) is cancellable


def test_the_seeded_rulebook_has_a_loan_limit_for_every_category():
    import json
    from datetime import date
    from pathlib import Path

    body = json.loads((Path(__file__).resolve().parents[2] / "opc_community/rulebook/seed/v1.json").read_text())
    book = Rulebook.load(body, version=1, effective_from=date(2026, 4, 1)).equipment
    assert rules.max_loan_days(book, "projector") == 3
    assert rules.max_loan_days(book, "gpu") == 30
    assert book.max_concurrent_loans == 2
    assert rules.latest_due(requested_at=T, max_days=3) == T + 3 * D
