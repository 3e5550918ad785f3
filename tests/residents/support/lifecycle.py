"""Shared arrangements for the lifecycle tests (renewal, expiry, exits, archive): no tests here.

``member_a`` (tests/residents/conftest.py) holds agreement 2026-04-01 … 2027-03-31; the
dates below are around its end. Money and desks are arranged through the other topics'
services (ledger, spaces), as the real flow would.
"""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from residents.models import DepositEntryKind, InvoiceKind
from residents.services import ledger
from residents.services import lifecycle as services
from spaces.models import Desk
from spaces.services.desks import desk_assign

SH = ZoneInfo("Asia/Shanghai")
END = date(2027, 3, 31)  # member_a's agreement ends
REMINDER_DAY = date(2027, 3, 1)  # 30 days before
AFTER_END = date(2027, 4, 1)
LAST_GRACE_DAY = date(2027, 4, 7)


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=SH)


def on_day(day: date, hour: int = 9):
    """``with on_day(date(2027, 3, 1)):`` — the clock stands still at that morning, Asia/Shanghai."""
    return time_machine.travel(at(day, hour), tick=False)


def pay_deposit(resident, amount: str, *, on: date, actor) -> None:
    ledger.deposit_record(resident=resident, kind=DepositEntryKind.PAID, amount=Decimal(amount), on=on, actor=actor)


def charge(resident, amount: str, *, due_on: date, issued_on: date, actor, description: str = "月度费用"):
    return ledger.invoice_create(
        resident=resident, kind=InvoiceKind.FEE, description=description, amount=Decimal(amount),
        due_on=due_on, issued_on=issued_on, actor=actor,
    )


def give_desk(resident, actor, code: str = "A-101"):
    desk, _ = Desk.objects.get_or_create(code=code, defaults={"floor": "3F", "zone": "A"})
    return desk_assign(resident=resident, desk=desk, actor=actor)


@pytest.fixture(name="exit_handler")
def exit_handler_fixture():
    """A fake exit handler (what spaces/resources will register): records its calls."""
    calls: list[dict] = []

    def handler(*, resident, exit, actor) -> str:
        calls.append({"resident": resident, "exit": exit, "actor": actor})
        return "2 项预约已取消"

    services.register_exit_handler("tests.fake_bookings", handler)
    yield calls
    services.unregister_exit_handler("tests.fake_bookings")
