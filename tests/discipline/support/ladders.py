"""Shared arrangements for the ladder, hook and report tests: no tests here.

``member_a`` / ``member_b`` (tests/residents/conftest.py) hold agreements 2026-04-01 … 2027-03-31.
Fee invoices fall due on Saturday 2026-11-14, so that day 16 of the ladder is a Monday
(2026-11-30) and its publication window (3 working days) ends on Thursday: the suspension
takes effect at the first close run of day 20, Friday 2026-12-04 — the day of the payment.
November and December 2026 have no public holiday. The clock stands still at each moment
(time_machine), and the hourly close job is run by hand where the test needs it.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest

from discipline.models import DecisionLedgerEntry, PenaltyMeasure, Suspension, ViolationCase
from discipline.services.ladders import ladders_run
from opc_community.notices.models import Publication
from opc_community.notices.tasks import close_publication_windows
from residents.models import Ban, DepositEntry, Exit, Invoice, InvoiceKind
from residents.services import ledger, lifecycle
from tests.residents.factories import AgreementFactory, ResidentFactory, acknowledge_rules
from tests.residents.support.lifecycle import SH, on_day, pay_deposit

DUE = date(2026, 11, 14)


def day(n: int) -> date:
    """The n-th day after the due date (days overdue = n)."""
    return DUE + timedelta(days=n)


def fee(resident: Any, *, due_on: date = DUE, amount: str = "800.00", kind: str = InvoiceKind.FEE, actor=None):
    with on_day(due_on - timedelta(days=10)):
        return ledger.invoice_create(
            resident=resident, kind=kind, description="12月 工位服务费", amount=Decimal(amount),
            due_on=due_on, issued_on=due_on - timedelta(days=10), actor=actor,
        )


def run(on: date, hour: int = 8):
    """The 08:00 job of ``on``."""
    with on_day(on, hour=hour):
        return ladders_run(today=on)


def close(on: date, hour: int = 0, minute: int = 5) -> int:
    """The hourly close job at ``on`` hh:mm (windows ending the evening before close at 00:05)."""
    import time_machine

    with time_machine.travel(datetime.combine(on, time(hour, minute), tzinfo=SH), tick=False):
        return close_publication_windows()


def daily(first: date, last: date) -> None:
    """Every day from ``first`` to ``last``: the night's close job, then the 08:00 ladder."""
    current = first
    while current <= last:
        close(current)
        run(current)
        current += timedelta(days=1)


def cases_of(resident: Any) -> list[ViolationCase]:
    return list(ViolationCase.objects.filter(resident=resident).order_by("occurred_on", "id"))


def measure_types(case: ViolationCase) -> list[str]:
    return list(case.measures.order_by("id").values_list("type", flat=True))


def snapshot() -> dict[str, Any]:
    """Everything a ladder run can write, as comparable values (ids included: nothing may be re-made)."""
    return {
        "cases": list(ViolationCase.objects.order_by("id").values_list(
            "id", "source_key", "status", "kind", "occurred_on", "measure", "same_kind_count")),
        "measures": list(PenaltyMeasure.objects.order_by("id").values_list(
            "id", "case_id", "type", "amount", "invoice_id", "suspension_id", "until_paid", "applied_at")),
        "invoices": list(Invoice.objects.order_by("id").values_list("id", "kind", "amount", "source_key")),
        "suspensions": list(Suspension.objects.order_by("id").values_list(
            "id", "resident_id", "scope", "until_paid_id", "lifted_at")),
        "ledger": list(DecisionLedgerEntry.objects.order_by("sequence").values_list("sequence", "entry_hash")),
        "publications": list(Publication.objects.order_by("id").values_list("id", "status", "object_id")),
        "exits": list(Exit.objects.order_by("id").values_list("id", "kind", "status")),
        "bans": list(Ban.objects.order_by("id").values_list("id", "starts_on", "ends_on", "source")),
        "deposit": list(DepositEntry.objects.order_by("id").values_list("id", "kind", "amount")),
    }


def content() -> dict[str, Any]:
    """What the ladders and the close job wrote, without database ids."""
    cases = {case.pk: case.source_key for case in ViolationCase.objects.all()}
    return {
        "cases": list(ViolationCase.objects.order_by("number").values_list(
            "number", "source_key", "status", "kind", "occurred_on", "measure", "same_kind_count", "resident_id")),
        "measures": sorted(
            (cases[m.case_id], m.type, m.amount, m.until_paid, m.applied_at is not None, m.invoice_id is not None,
             m.suspension_id is not None)
            for m in PenaltyMeasure.objects.all()
        ),
        "invoices": sorted(Invoice.objects.values_list("resident_id", "kind", "amount", "due_on", "settled_on")),
        "suspensions": sorted(Suspension.objects.values_list("resident_id", "scope", "ends_at", "lifted_at")),
        # The moment of decision is the run's (08:00 for cases the crashed run completed, 09:00 for the
        # rest); everything else of each entry must match.
        "ledger": [
            (entry.sequence, entry.kind, {k: v for k, v in entry.content.items() if k != "decided_at"})
            for entry in DecisionLedgerEntry.objects.order_by("sequence")
        ],
    }


def checked_in(user, name: str) -> Any:
    """Like tests/residents/conftest.py's member_a / member_b: checked in, oriented, accepted agreement
    2026-04-01 … 2027-03-31."""
    resident = ResidentFactory(user=user, name=name)
    acknowledge_rules(resident)
    AgreementFactory(resident=resident)
    return resident


@pytest.fixture(name="staff")
def staff_fixture(administrator):
    return administrator


@pytest.fixture(name="tenant")
def tenant_fixture(resident_a, administrator):
    """Resident A (张三), checked in, with its 2,000 yuan deposit paid."""
    resident = checked_in(resident_a, "张三")
    pay_deposit(resident, "2000.00", on=date(2026, 4, 1), actor=administrator)
    return resident


@pytest.fixture(name="other")
def other_fixture(resident_b):
    """Resident B (欧阳娜娜), checked in."""
    return checked_in(resident_b, "欧阳娜娜")


def expiring_resident(user, *, ends_on: date, name: str = "王小二") -> Any:
    """A checked-in resident whose agreement ends on ``ends_on`` (deposit 2,000 paid)."""
    resident = ResidentFactory(user=user, name=name)
    acknowledge_rules(resident)
    AgreementFactory(resident=resident, starts_on=ends_on - timedelta(days=364), ends_on=ends_on)
    with on_day(ends_on - timedelta(days=300)):
        pay_deposit(resident, "2000.00", on=ends_on - timedelta(days=300), actor=None)
    return resident


#: The expiring resident's agreement ends on Sunday 2026-11-15; the grace period ends on 2026-11-22
#: (7 days); day n after the grace period is GRACE_END + n.
AGREEMENT_END = date(2026, 11, 15)
GRACE_END = date(2026, 11, 22)


def after_grace(n: int) -> date:
    return GRACE_END + timedelta(days=n)


def open_expiry(resident: Any) -> Exit:
    on = AGREEMENT_END + timedelta(days=1)
    with on_day(on):
        return lifecycle.exit_open_on_expiry(agreement=resident.agreements.get(), today=on)
