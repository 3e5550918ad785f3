"""Pure rules of scenario matchmaking and policy help (第五章第二条): boundary tables."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from resources.rules import matchmaking as rules

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(("published", "today", "expected"), [
    (False, date(2026, 10, 1), rules.Refusal.NOT_PUBLISHED),
    (True, date(2026, 10, 30), None),
    (True, date(2026, 10, 31), None),  # the deadline day itself is open
    (True, date(2026, 11, 1), rules.Refusal.PAST_DEADLINE),
])
def test_open_refusal(published, today, expected):
    assert rules.open_refusal(published=published, deadline=date(2026, 10, 31), today=today) == expected


@pytest.mark.parametrize(("outcome", "has_amount", "expected"), [
    ("funded", False, "required"),
    ("order", False, "required"),
    ("funded", True, None),
    ("order", True, None),
    ("signed", False, None),
    ("signed", True, None),
    ("no_deal", False, None),
    ("no_deal", True, "not_allowed"),
])
def test_amount_refusal(outcome, has_amount, expected):
    assert rules.amount_refusal(outcome=outcome, has_amount=has_amount) == expected


DUE = datetime(2026, 10, 14, 18, 0, tzinfo=SH)


@pytest.mark.parametrize(("answered", "now", "expected"), [
    (None, datetime(2026, 10, 14, 23, 59, tzinfo=SH), rules.Sla.PENDING),
    (None, datetime(2026, 10, 15, 0, 0, tzinfo=SH), rules.Sla.OVERDUE),
    (datetime(2026, 10, 14, 23, 0, tzinfo=SH), datetime(2026, 10, 20, tzinfo=SH), rules.Sla.MET),
    (datetime(2026, 10, 15, 9, 0, tzinfo=SH), datetime(2026, 10, 20, tzinfo=SH), rules.Sla.LATE),
])
def test_response_sla(answered, now, expected):
    assert rules.response_sla(due_at=DUE, answered_at=answered, now=now) == expected


@pytest.mark.parametrize(("today", "expected"), [
    (date(2026, 10, 12), False),  # 8 days before
    (date(2026, 10, 13), True),   # 7 days before: the first reminder day
    (date(2026, 10, 20), True),   # the deadline day: a missed run still reminds
    (date(2026, 10, 21), False),
])
def test_reminder_due(today, expected):
    assert rules.reminder_due(deadline=date(2026, 10, 20), today=today, days_before=7) is expected
