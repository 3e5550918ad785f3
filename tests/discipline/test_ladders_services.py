"""The automatic ladders through the real services (第八章第二条 rows 7 and 1b; RULEBOOK §9).

Given a real invoice or a real exit on expiry, when the 08:00 job runs on a given day (the clock
travels), then the case of the band reached is opened, noticed, decided and published by the
system; the hourly close job confirms it after the publication window and its effects happen in
the owning apps (fine invoice, suspension until paid, forced exit with deposit and ban).
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from discipline.models import CaseStatus, PenaltyMeasure, Suspension, ViolationCase
from discipline.selectors import active_suspension
from discipline.services import ladders
from residents.models import (
    AgreementStatus,
    Ban,
    DepositEntry,
    DepositEntryKind,
    ExitKind,
    InvoiceKind,
    PaymentMethod,
    ResidentStatus,
)
from residents.selectors.ledger import deposit_held
from residents.services import ledger
from tests.discipline.support.ladders import (  # noqa: F401 (fixtures)
    DUE,
    after_grace,
    cases_of,
    close,
    daily,
    day,
    expiring_resident,
    fee,
    measure_types,
    open_expiry,
    other_fixture,
    run,
    snapshot,
    staff_fixture,
    tenant_fixture,
)
from tests.residents.support.lifecycle import at, on_day
from tests.spec import cases

pytestmark = pytest.mark.django_db

FEE_MEASURES = {
    "none": None, "warning": ["warning"], "fine_100": ["fine"], "suspend_resources": ["suspension"],
    "forced_exit": ["forced_exit", "deposit_forfeiture"],
}
EXIT_MEASURES = {
    "none": None, "warning": ["warning"], "fine_300": ["fine"],
    "forced_exit_fine_1000": ["forced_exit", "deposit_forfeiture", "fine"],
}


# --- Boundaries: the conformance cases on real invoices and exits ------------------------------------


@pytest.mark.parametrize("case", cases("overdue_fees"), ids=lambda c: str(c["days_overdue"]))
def test_overdue_fee_boundaries_on_a_real_invoice(tenant, case):
    invoice = fee(tenant)
    days = case["days_overdue"]

    result = run(day(days))

    expected = FEE_MEASURES[case["outcome"]]
    if expected is None:
        assert not ViolationCase.objects.exists()
        assert result.total_opened == 0
        return
    current = cases_of(tenant)[-1]  # the band reached today (a catch-up also opens an earlier fine)
    assert measure_types(current) == expected
    assert (current.kind, current.status) == ("7", CaseStatus.PUBLISHED)
    assert current.source_key.startswith(f"fees:{invoice.pk}:d")
    assert current.notice.number and invoice.number in current.notice.requirement
    if expected == ["fine"]:
        assert current.measures.get().amount == Decimal("100.00")
    if expected == ["suspension"]:
        measure = current.measures.get()
        assert (measure.scope, measure.until_paid, measure.invoice_id) == ("resources", True, invoice.pk)


@pytest.mark.parametrize("case", cases("overdue_exit"), ids=lambda c: str(c["days_after_grace"]))
def test_overdue_exit_boundaries_on_a_real_exit(resident_b, case):
    resident = expiring_resident(resident_b, ends_on=date(2026, 11, 15))
    exit = open_expiry(resident)
    days = case["days_after_grace"]

    run(after_grace(days))

    expected = EXIT_MEASURES[case["outcome"]]
    if expected is None:
        assert not ViolationCase.objects.exists()
        return
    current = cases_of(resident)[-1]
    assert measure_types(current) == expected
    assert (current.kind, current.source_key) == ("1b", f"exit:{exit.pk}:{current.source_key.rsplit(':', 1)[1]}")
    fines = [m.amount for m in current.measures.filter(type="fine")]
    assert fines == {"fine_300": [Decimal("300.00")], "forced_exit_fine_1000": [Decimal("1000.00")]}.get(
        case["outcome"], [])


# --- Daily runs: one case per band, effects on confirmation ------------------------------------------


def test_daily_runs_open_each_band_once_and_a_payment_on_day_20_lifts_the_suspension(tenant, staff):
    invoice = fee(tenant)

    daily(day(1), day(19))
    bands = [(c.source_key.rsplit(":", 1)[1], measure_types(c), c.occurred_on) for c in cases_of(tenant)]
    assert bands == [
        ("d1", ["warning"], day(1)), ("d8", ["fine"], day(8)), ("d16", ["suspension"], day(16)),
    ]
    # The fine of day 8 took effect after its window: an invoice of 100 in the ledger.
    fine = PenaltyMeasure.objects.get(type="fine")
    assert fine.invoice.kind == InvoiceKind.FINE and fine.invoice.amount == Decimal("100.00")
    assert active_suspension(tenant.pk, "resources", at=at(day(19), 23)) is None  # day 16's window is open

    close(day(20))  # 00:05 on day 20: the window of day 16 (Mon) ended on Thursday evening
    suspension = active_suspension(tenant.pk, "resources", at=at(day(20), 9))
    assert suspension is not None and suspension.until_paid_id == invoice.pk
    assert active_suspension(tenant.pk, "public_spaces", at=at(day(20), 9)) is None  # resources only

    with on_day(day(20), hour=10):
        ledger.payment_record(invoice=invoice, amount=invoice.amount, paid_on=day(20),
                              method=PaymentMethod.BANK_TRANSFER, actor=staff)
    assert active_suspension(tenant.pk, "resources", at=at(day(20), 11)) is None
    suspension.refresh_from_db()
    assert suspension.lifted_at == at(day(20), 10)  # the same day, at the payment

    daily(day(20), day(40))  # a payment stops the ladder
    assert [c.source_key.rsplit(":", 1)[1] for c in cases_of(tenant)] == ["d1", "d8", "d16"]
    tenant.refresh_from_db()
    assert tenant.status == ResidentStatus.ACTIVE


def test_a_payment_during_the_window_means_no_suspension_at_all(tenant, staff):
    invoice = fee(tenant)
    run(day(16))
    with on_day(day(17), hour=10):
        ledger.payment_record(invoice=invoice, amount=invoice.amount, paid_on=day(17),
                              method=PaymentMethod.WECHAT, actor=staff)
    close(day(25))
    measure = PenaltyMeasure.objects.get(type="suspension")
    assert measure.applied_at is not None and measure.suspension is None
    assert not Suspension.objects.exists()


def test_the_31st_day_forces_the_exit_with_the_deposit_and_the_ban(tenant):
    invoice = fee(tenant)

    result = run(day(31))  # the job did not run before: the fine of day 8 is still due

    assert result.as_dict()["opened"] == {"fees:d31": 1, "fees:d8": 1}
    assert [measure_types(c) for c in cases_of(tenant)] == [["fine"], ["forced_exit", "deposit_forfeiture"]]
    assert [c.occurred_on for c in cases_of(tenant)] == [day(8), day(31)]
    tenant.refresh_from_db()
    assert tenant.status == ResidentStatus.ACTIVE  # nothing happens before the window closes

    close(day(36))  # Tue → the window ends Friday evening; the next close run confirms
    tenant.refresh_from_db()
    assert tenant.status == ResidentStatus.EXITED
    assert tenant.agreements.get().status == AgreementStatus.ENDED
    assert deposit_held(tenant) == 0
    assert DepositEntry.objects.filter(resident=tenant, kind=DepositEntryKind.FORFEITED,
                                       amount=Decimal("2000.00")).exists()
    ban = Ban.objects.get(resident=tenant)
    assert (ban.starts_on, ban.ends_on) == (day(36), date(2029, 12, 19))  # 3 years (RULEBOOK §4.6)
    assert tenant.exits.get().kind == ExitKind.FORCED
    assert set(ViolationCase.objects.values_list("status", flat=True)) == {CaseStatus.CONFIRMED}
    # The unpaid fee stays owed; an exited resident's debt starts nothing more.
    assert run(day(60)).total_opened == 0
    assert invoice.pk in {i.pk for i in tenant.invoices.all()}


def test_overdue_exit_beyond_a_week_forces_the_exit_with_the_fine(resident_b):
    resident = expiring_resident(resident_b, ends_on=date(2026, 11, 15))
    open_expiry(resident)

    daily(after_grace(1), after_grace(8))
    assert [measure_types(c) for c in cases_of(resident)] == [
        ["warning"], ["fine"], ["forced_exit", "deposit_forfeiture", "fine"],
    ]
    close(after_grace(14))
    resident.refresh_from_db()
    assert resident.status == ResidentStatus.EXITED
    ban = Ban.objects.get(resident=resident)
    assert ban.ends_on.year - ban.starts_on.year == 3
    fines = sorted(resident.invoices.filter(kind=InvoiceKind.FINE).values_list("amount", flat=True))
    assert fines == [Decimal("300.00"), Decimal("1000.00")]
    assert deposit_held(resident) == 0
    assert run(after_grace(20)).total_opened == 0  # the exit was superseded: no longer overdue


# --- Which invoices and residents --------------------------------------------------------------------


def test_an_unpaid_fine_starts_no_ladder_of_its_own(tenant):
    fee(tenant, kind=InvoiceKind.FINE, amount="100.00")
    assert run(day(40)).total_opened == 0


def test_an_exited_resident_and_one_not_checked_in_are_left_alone(tenant, other):
    fee(tenant)
    fee(other)
    type(tenant).objects.filter(pk=tenant.pk).update(
        status=ResidentStatus.EXITED, exited_on=date(2026, 11, 1), retain_until=date(2029, 11, 1))
    type(other).objects.filter(pk=other.pk).update(status=ResidentStatus.ONBOARDING)
    assert run(day(10)).total_opened == 0


def test_one_forced_exit_at_a_time(tenant):
    fee(tenant)
    fee(tenant, amount="300.00")
    result = run(day(31))
    assert result.held == 1
    assert sum("forced_exit" in measure_types(c) for c in cases_of(tenant)) == 1
    assert result.as_dict()["opened"] == {"fees:d8": 2, "fees:d31": 1}


def test_a_late_entered_invoice_gets_the_fine_but_no_stale_warning(tenant):
    fee(tenant)
    run(day(20))
    assert [c.source_key.rsplit(":", 1)[1] for c in cases_of(tenant)] == ["d8", "d16"]


# --- Idempotency ----------------------------------------------------------------------------------------


def test_running_twice_gives_the_identical_ledger(tenant, other):
    fee(tenant)
    fee(other, due_on=DUE + timedelta(days=5))
    run(day(16))
    close(day(24))
    before = snapshot()

    second = run(day(16), hour=9)

    assert snapshot() == before
    assert second.total_opened == 0 and second.already == 3  # tenant d8 + d16, other d8
    assert second.failed == 0


def test_after_a_crash_half_way_the_next_run_completes_and_duplicates_nothing(tenant, other, monkeypatch):
    from discipline.services import cases as case_services

    fee(tenant)
    fee(other)
    real = case_services.case_run_automatic
    calls = {"n": 0}

    class WorkerKilled(BaseException):
        """Not an Exception: the job cannot catch it, like a worker killed mid-run."""

    def dies_on_the_third(**kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise WorkerKilled
        return real(**kwargs)

    monkeypatch.setattr(case_services, "case_run_automatic", dies_on_the_third)
    with pytest.raises(WorkerKilled):
        run(day(20))
    keys_after_crash = sorted(ViolationCase.objects.values_list("source_key", flat=True))
    assert len(keys_after_crash) == 2  # each case in its own transaction: the third rolled back whole
    assert all(c.status == CaseStatus.PUBLISHED for c in ViolationCase.objects.all())

    monkeypatch.setattr(case_services, "case_run_automatic", real)
    result = run(day(20), hour=9)
    assert result.total_opened == 2 and result.already == 2

    keys = sorted(ViolationCase.objects.values_list("source_key", flat=True))
    assert len(keys) == len(set(keys)) == 4
    assert keys_after_crash == sorted(set(keys_after_crash) & set(keys))
    assert run(day(20), hour=10).total_opened == 0


def test_a_failing_step_is_logged_and_retried_while_the_others_go_on(tenant, other, monkeypatch):
    from discipline.services import cases as case_services

    fee(tenant)
    fee(other)
    real = case_services.case_run_automatic

    def fails_for_b(*, case, **kwargs):
        if case.resident_id == other.pk:
            raise RuntimeError("boom")
        return real(case=case, **kwargs)

    monkeypatch.setattr(case_services, "case_run_automatic", fails_for_b)
    first = run(day(8))
    assert (first.total_opened, first.failed) == (1, 1)
    assert not ViolationCase.objects.filter(resident=other).exists()  # rolled back, nothing half-made

    monkeypatch.setattr(case_services, "case_run_automatic", real)
    second = run(day(8), hour=9)
    assert (second.total_opened, second.failed, second.already) == (1, 0, 1)


def test_a_case_left_found_by_an_older_run_is_taken_up_again(tenant):
    from discipline.services import cases as case_services

    invoice = fee(tenant)
    with on_day(day(3)):
        case_services.case_open(resident=tenant, kind="7", occurred_on=day(1), facts="逾期", actor=None,
                                measure=Decimal(1), source_key=f"fees:{invoice.pk}:d1")
    result = run(day(3))
    assert (result.resumed, result.total_opened) == (1, 0)
    assert ViolationCase.objects.get().status == CaseStatus.PUBLISHED


# --- Set-based reads ------------------------------------------------------------------------------------


@pytest.mark.parametrize("residents", [1, 5])
def test_a_run_with_nothing_new_reads_in_a_fixed_number_of_queries(
    django_assert_num_queries, staff, residents
):
    from tests.residents.factories import AgreementFactory, ResidentFactory

    people = [ResidentFactory() for _ in range(residents)]
    for person in people:
        AgreementFactory(resident=person)
        fee(person)
    run(day(10))
    with on_day(day(10), hour=9), django_assert_num_queries(6):
        # 1 the run lock, 2 rulebook in force, 3 overdue invoices (+ paid sums, residents, agreements),
        # 4 overdue exits, 5 the existing cases of the planned keys (no forced-exit band planned: no
        # query for those), 6 the run unlocked
        result = ladders.ladders_run(today=day(10))
    assert result.already == residents


def test_the_task_returns_the_counts(tenant):
    from discipline.tasks import run_overdue_ladders

    fee(tenant)
    with on_day(day(8), hour=8):
        result = run_overdue_ladders.delay().get()
    assert result == {"opened": {"fees:d8": 1}, "total_opened": 1, "resumed": 0, "already": 0, "held": 0,
                      "failed": 0, "skipped": False}
