"""Races with real parallel database connections (threads, committed data): agreement numbers never
repeat, a deposit is never taken out twice, a desk is never given twice.

Each worker thread has its own Django connection. The services are slowed down at the point where a
race would bite (after the number is chosen / the held deposit is read / the desk row is read), so the
second caller really arrives while the first one's transaction is open: without the locks these tests
fail, with them the second caller waits and then sees the first one's work.
"""

import time
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from opc_community.core.errors import ConflictError, DomainError
from residents.models import Agreement, DepositEntry
from residents.selectors import ledger as ledger_selectors
from residents.services import agreements as agreement_services
from residents.services import ledger as ledger_services
from spaces.models import DeskAssignment
from spaces.services import desks as space_services
from tests.concurrency import (  # noqa: F401 - the autouse fixture is imported to be active here
    committed_data,
    restore_snapshot_without_triggers,
    run_in_parallel,
)
from tests.residents.support.agreements import (
    NOW,
    TODAY,
    onboarding,
    ready_for_check_in,
    use_private_storage,
)
from tests.spaces.factories import DeskFactory

pytestmark = committed_data


@pytest.fixture
def private_storage(settings, tmp_path):
    return use_private_storage(settings, tmp_path)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture(autouse=True)
def _no_pdf(monkeypatch, private_storage):
    """Commits run the after-commit PDF rendering: not what these tests are about (and slow)."""
    monkeypatch.setattr(agreement_services, "agreement_document_store", lambda *, agreement: agreement)


def test_concurrent_issuers_never_get_the_same_agreement_number(intake_staff, monkeypatch):
    residents = [onboarding() for _ in range(4)]
    real_next_number = agreement_services._next_number

    def slow_next_number(year: int) -> str:
        number = real_next_number(year)
        time.sleep(0.3)  # hold the chosen number inside the open transaction
        return number

    monkeypatch.setattr(agreement_services, "_next_number", slow_next_number)

    results = run_in_parallel([
        (lambda resident=resident: agreement_services.agreement_issue(
            resident=resident, starts_on=TODAY, fee_amount="800", fee_period="monthly", deposit_amount="2000",
            actor=intake_staff).number)
        for resident in residents
    ])

    assert sorted(results) == ["OPC-2026-0001", "OPC-2026-0002", "OPC-2026-0003", "OPC-2026-0004"], results
    assert Agreement.objects.count() == 4


@pytest.mark.parametrize(("first", "second"), [("forfeited", "refunded"), ("refunded", "refunded")])
def test_two_concurrent_withdrawals_of_the_whole_deposit_exactly_one_wins(intake_staff, monkeypatch, first, second):
    resident = onboarding()
    ledger_services.deposit_record(resident=resident, kind="paid", amount="2000.00", on=TODAY, actor=intake_staff)
    real_held = ledger_services.deposit_held

    def slow_held(who: Any) -> Decimal:
        held = real_held(who)
        time.sleep(0.3)  # both would read ¥2,000.00 here if nothing serialised them
        return held

    monkeypatch.setattr(ledger_services, "deposit_held", slow_held)

    results = run_in_parallel([
        (lambda kind=kind: ledger_services.deposit_record(resident=resident, kind=kind, amount="2000.00", on=TODAY,
                                                          actor=intake_staff))
        for kind in (first, second)
    ])

    winners = [r for r in results if isinstance(r, DepositEntry)]
    losers = [r for r in results if isinstance(r, DomainError)]
    assert (len(winners), len(losers)) == (1, 1), results
    assert "现持有保证金 ¥0.00" in str(losers[0].message)
    assert ledger_selectors.deposit_held(resident) == 0
    assert DepositEntry.objects.filter(resident=resident).count() == 2


def test_two_concurrent_payments_cannot_together_overpay(intake_staff):
    resident = onboarding()
    invoice = ledger_services.invoice_create(resident=resident, kind="other", description="赔偿", amount="1000.00",
                                             due_on=TODAY, actor=intake_staff)

    results = run_in_parallel([
        (lambda: ledger_services.payment_record(invoice=invoice, amount="700.00", paid_on=TODAY, method="cash",
                                                actor=intake_staff))
        for _ in range(2)
    ])

    assert sum(isinstance(r, DomainError) for r in results) == 1, results
    assert ledger_selectors.invoice_balance(invoice) == Decimal("300.00")


def test_two_staff_assigning_the_same_desk_get_one_assignment_and_a_clear_conflict(intake_staff, daily_staff):
    first, second = onboarding(), onboarding()
    ready_for_check_in(first, intake_staff)
    ready_for_check_in(second, intake_staff)
    only = DeskFactory(code="A-101")

    results = run_in_parallel([
        (lambda resident=resident: agreement_services.resident_check_in(resident=resident, desk=only,
                                                                        actor=daily_staff))
        for resident in (first, second)
    ])

    refusals = [r for r in results if isinstance(r, DomainError)]
    assert len(refusals) == 1, results
    assert "A-101" in str(refusals[0].message)
    assert DeskAssignment.objects.filter(desk=only, ends_at__isnull=True).count() == 1


def test_concurrent_desk_assignments_turn_the_unique_constraint_into_a_conflict(daily_staff):
    """Below the check-in checks: the database constraint itself decides, and desk_assign says so."""
    residents = [onboarding(), onboarding()]
    shared = DeskFactory(code="B-1")

    results = run_in_parallel([
        (lambda resident=resident: space_services.desk_assign(resident=resident, desk=shared, actor=daily_staff))
        for resident in residents
    ])

    assert sum(isinstance(r, ConflictError) for r in results) == 1, results
    conflict = next(r for r in results if isinstance(r, ConflictError))
    assert "工位 B-1 已分配给其他入驻主体" in str(conflict.message)
    assert DeskAssignment.objects.filter(desk=shared).count() == 1
