"""The fees and deposit ledger (第三章第二条): invoices, partial payments and settlement, reversals,
deposits that never go below zero, and the selectors the renewal and discipline topics read."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import DatabaseError, transaction
from django.db.models import Case, F, Sum, When

from opc_community.core.errors import ConflictError, DomainError
from residents.models import (
    DepositEntry,
    DepositEntryKind,
    Invoice,
    InvoiceKind,
    Payment,
    PaymentMethod,
)
from residents.selectors import ledger as selectors
from residents.services import ledger as services
from tests.residents.factories import ResidentFactory
from tests.residents.support.agreements import NOW, TODAY, issue, onboarding

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def charge(resident, actor, amount="1000.00", *, due_on=TODAY, key=None, kind=InvoiceKind.OTHER):
    return services.invoice_create(resident=resident, kind=kind, description="设备损坏赔偿", amount=amount,
                                   due_on=due_on, source_key=key, actor=actor)


def pay(invoice, actor, amount, *, on=TODAY, method=PaymentMethod.WECHAT):
    return services.payment_record(invoice=invoice, amount=amount, paid_on=on, method=method, actor=actor)


# --- Invoices ----------------------------------------------------------------------------------------


def test_an_invoice_is_numbered_and_idempotent_on_its_source_key(intake_staff):
    resident = ResidentFactory()

    first = charge(resident, intake_staff, key="discipline:violation:17:fine")
    again = charge(resident, intake_staff, "999.00", key="discipline:violation:17:fine")

    assert again == first
    assert Invoice.objects.filter(source_key="discipline:violation:17:fine").count() == 1
    assert first.number == f"INV-2026-{first.pk:06d}"
    assert first.amount == Decimal("1000.00")
    assert charge(resident, None, key=None) != first  # a system job may charge without an actor


def test_a_source_key_of_another_resident_is_a_conflict(intake_staff):
    charge(ResidentFactory(), intake_staff, key="k-1")

    with pytest.raises(ConflictError):
        charge(ResidentFactory(), intake_staff, key="k-1")


@pytest.mark.parametrize(
    ("amount", "due_on", "field", "message"),
    [
        ("0", TODAY, "amount", "账单金额必须大于零"),
        ("-5", TODAY, "amount", "账单金额必须大于零"),
        ("12.345", TODAY, "amount", "最多两位小数"),
        ("abc", TODAY, "amount", "请输入以元为单位的金额"),
        ("10", TODAY - timedelta(days=1), "due_on", "到期日不能早于出具日期"),
    ],
)
def test_invoices_refuse_bad_amounts_and_dates(intake_staff, amount, due_on, field, message):
    with pytest.raises(DomainError, match=message) as refused:
        charge(ResidentFactory(), intake_staff, amount, due_on=due_on)
    assert refused.value.field == field


def test_an_invoice_charge_cannot_be_edited_in_the_database(intake_staff):
    invoice = charge(ResidentFactory(), intake_staff)

    with pytest.raises(DatabaseError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(amount=1)


# --- Payments: partial, settled_on, overpayment, reversal -----------------------------------------------


def test_partial_payments_settle_on_the_day_they_cover_the_amount(intake_staff):
    invoice = charge(ResidentFactory(), intake_staff, due_on=TODAY)

    pay(invoice, intake_staff, "400.00", on=TODAY - timedelta(days=2))
    invoice.refresh_from_db()
    assert invoice.settled_on is None
    assert selectors.invoice_balance(invoice) == Decimal("600.00")

    pay(invoice, intake_staff, "600.00", on=TODAY)
    invoice.refresh_from_db()
    assert invoice.settled_on == TODAY
    assert selectors.invoice_balance(invoice) == 0


def test_payments_recorded_out_of_order_settle_on_the_latest_date(intake_staff):
    invoice = charge(ResidentFactory(), intake_staff)
    pay(invoice, intake_staff, "500.00", on=TODAY)
    pay(invoice, intake_staff, "500.00", on=TODAY - timedelta(days=3))  # found later, paid earlier

    invoice.refresh_from_db()
    assert invoice.settled_on == TODAY


@pytest.mark.parametrize(
    ("amount", "on", "method", "field", "message"),
    [
        ("1000.01", TODAY, PaymentMethod.CASH, "amount", "超过账单 INV-2026-.* 的未付余额 ¥1,000.00，不接受超额付款"),
        ("0", TODAY, PaymentMethod.CASH, "amount", "付款金额必须大于零"),
        ("-10", TODAY, PaymentMethod.CASH, "amount", "付款金额必须大于零"),
        ("10", TODAY + timedelta(days=1), PaymentMethod.CASH, "paid_on", "付款日期不能晚于今天"),
        ("10", TODAY, PaymentMethod.REVERSAL, "method", "冲销须通过"),
    ],
)
def test_payments_refuse_overpayment_zero_future_and_hand_made_reversals(intake_staff, amount, on, method, field,
                                                                        message):
    invoice = charge(ResidentFactory(), intake_staff)

    with pytest.raises(DomainError, match=message) as refused:
        pay(invoice, intake_staff, amount, on=on, method=method)

    assert refused.value.field == field
    assert not Payment.objects.exists()


def test_an_overpayment_across_two_payments_is_refused(intake_staff):
    invoice = charge(ResidentFactory(), intake_staff)
    pay(invoice, intake_staff, "700.00")

    with pytest.raises(DomainError, match="未付余额 ¥300.00"):
        pay(invoice, intake_staff, "300.01")


def test_a_reversal_unsets_settlement_and_a_late_payment_settles_late(intake_staff):
    invoice = charge(ResidentFactory(), intake_staff, due_on=TODAY)
    wrong = pay(invoice, intake_staff, "1000.00")
    invoice.refresh_from_db()
    assert invoice.settled_on == TODAY

    reversal = services.payment_reverse(payment=wrong, reason="重复登记", actor=intake_staff)

    assert (reversal.amount, reversal.method, reversal.reverses) == (Decimal("-1000.00"), "reversal", wrong)
    invoice.refresh_from_db()
    assert invoice.settled_on is None
    assert selectors.invoice_balance(invoice) == Decimal("1000.00")
    Payment.objects.get(pk=wrong.pk)  # the original row stays
    with time_machine.travel(NOW + timedelta(days=5), tick=False):
        pay(invoice, intake_staff, "1000.00", on=TODAY + timedelta(days=5))
    invoice.refresh_from_db()
    assert invoice.settled_on == TODAY + timedelta(days=5)
    assert list(selectors.invoices_paid_late(invoice.resident, since=TODAY)) == [invoice]


def test_a_payment_is_reversed_once_and_a_reversal_never(intake_staff):
    invoice = charge(ResidentFactory(), intake_staff)
    payment = pay(invoice, intake_staff, "100.00")
    reversal = services.payment_reverse(payment=payment, reason="错误", actor=intake_staff)

    with pytest.raises(ConflictError, match="已被冲销"):
        services.payment_reverse(payment=payment, reason="再来", actor=intake_staff)
    with pytest.raises(DomainError, match="冲销记录本身不能再冲销"):
        services.payment_reverse(payment=reversal, reason="再来", actor=intake_staff)
    with pytest.raises(DomainError, match="冲销理由"):
        services.payment_reverse(payment=pay(invoice, intake_staff, "1.00"), reason="", actor=intake_staff)


def test_payments_cannot_be_edited_or_deleted_in_the_database(intake_staff):
    payment = pay(charge(ResidentFactory(), intake_staff), intake_staff, "1.00")

    with pytest.raises(DatabaseError), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(amount=2)
    with pytest.raises(DatabaseError), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).delete()


def test_paying_from_the_deposit_takes_it_out_of_the_deposit_and_a_reversal_puts_it_back(intake_staff):
    resident = ResidentFactory()
    services.deposit_record(resident=resident, kind="paid", amount="500.00", on=TODAY, actor=intake_staff)
    invoice = charge(resident, intake_staff, "800.00")

    with pytest.raises(DomainError, match="现持有保证金 ¥500.00，无法支出 ¥600.00"):
        pay(invoice, intake_staff, "600.00", method=PaymentMethod.DEPOSIT)
    payment = pay(invoice, intake_staff, "500.00", method=PaymentMethod.DEPOSIT)
    assert selectors.deposit_held(resident) == 0
    assert DepositEntry.objects.get(kind=DepositEntryKind.APPLIED).note == f"抵扣账单 {invoice.number}"

    services.payment_reverse(payment=payment, reason="改为转账", actor=intake_staff)
    assert selectors.deposit_held(resident) == Decimal("500.00")


def test_a_void_invoice_takes_no_payment(intake_staff):
    from residents.services.agreements import agreement_cancel

    resident = onboarding()
    agreement = issue(resident, intake_staff)
    agreement_cancel(agreement=agreement, reason="填错", actor=intake_staff)

    with pytest.raises(DomainError, match="已作废"):
        pay(agreement.invoices.first(), intake_staff, "800.00")


# --- Deposit (保证金) ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [DepositEntryKind.REFUNDED, DepositEntryKind.FORFEITED, DepositEntryKind.APPLIED])
def test_the_deposit_never_goes_below_zero(intake_staff, kind):
    resident = ResidentFactory()
    services.deposit_record(resident=resident, kind="paid", amount="2000.00", on=TODAY, actor=intake_staff)
    services.deposit_record(resident=resident, kind=kind, amount="1500.00", on=TODAY, actor=intake_staff)

    with pytest.raises(DomainError, match="现持有保证金 ¥500.00") as refused:
        services.deposit_record(resident=resident, kind=kind, amount="500.01", on=TODAY, actor=intake_staff)

    assert refused.value.field == "amount"
    assert selectors.deposit_held(resident) == Decimal("500.00")
    services.deposit_record(resident=resident, kind=kind, amount="500.00", on=TODAY, actor=intake_staff)
    assert selectors.deposit_held(resident) == 0


def test_deposit_entries_refuse_bad_input(intake_staff):
    resident = ResidentFactory()
    for kwargs, message in [
        ({"kind": "paid", "amount": "0"}, "金额必须大于零"),
        ({"kind": "stolen", "amount": "1"}, "未知的保证金记录类型"),
        ({"kind": "paid", "amount": "1", "on": TODAY + timedelta(days=1)}, "日期不能晚于今天"),
    ]:
        with pytest.raises(DomainError, match=message):
            services.deposit_record(resident=resident, actor=intake_staff, **{"on": TODAY, **kwargs})


def test_a_deposit_entry_is_linked_to_the_live_agreement(intake_staff):
    resident = onboarding()
    agreement = issue(resident, intake_staff)

    entry = services.deposit_record(resident=resident, kind="paid", amount="2000.00", on=TODAY, actor=intake_staff)

    assert entry.agreement == agreement


# --- Balances are sums of ledger rows ------------------------------------------------------------------


def test_balances_always_equal_the_sum_of_ledger_rows(intake_staff):
    """A random sequence of charges, payments, reversals and deposit movements: every balance the
    selectors give equals the plain sum of the rows."""
    rng = random.Random(20260506)
    resident = ResidentFactory()
    invoices = [charge(resident, intake_staff, f"{rng.randint(1, 3000)}.{rng.randint(0, 99):02d}") for _ in range(6)]
    payments = []
    for _ in range(25):
        step = rng.choice(["pay", "pay", "reverse", "deposit_in", "deposit_out"])
        try:
            if step == "pay":
                invoice = rng.choice(invoices)
                open_ = selectors.invoice_balance(invoice)
                if open_ > 0:
                    payments.append(pay(invoice, intake_staff, min(open_, Decimal(rng.randint(1, 1500)))))
            elif step == "reverse" and payments:
                services.payment_reverse(payment=payments.pop(rng.randrange(len(payments))), reason="更正",
                                         actor=intake_staff)
            elif step == "deposit_in":
                services.deposit_record(resident=resident, kind="paid", amount=rng.randint(1, 900), on=TODAY,
                                        actor=intake_staff)
            elif step == "deposit_out":
                services.deposit_record(resident=resident, kind=rng.choice(["refunded", "forfeited"]),
                                        amount=rng.randint(1, 900), on=TODAY, actor=intake_staff)
        except DomainError:
            pass  # refusals (deposit short) are part of the game

    charged = Invoice.objects.filter(resident=resident).aggregate(total=Sum("amount"))["total"]
    paid = Payment.objects.filter(resident=resident).aggregate(total=Sum("amount"))["total"] or 0
    assert selectors.resident_balance(resident) == charged - paid
    for invoice in invoices:
        rows = Payment.objects.filter(invoice=invoice).aggregate(total=Sum("amount"))["total"] or 0
        assert selectors.invoice_balance(invoice) == invoice.amount - rows
        invoice.refresh_from_db()
        assert (invoice.settled_on is not None) == (invoice.amount - rows == 0)
    signed = DepositEntry.objects.filter(resident=resident).aggregate(
        total=Sum(Case(When(kind="paid", then=F("amount")), default=-F("amount"))))["total"] or 0
    assert selectors.deposit_held(resident) == signed >= 0
    assert all(isinstance(value, Decimal) for value in (selectors.resident_balance(resident),
                                                        selectors.deposit_held(resident)))


# --- What the discipline and renewal topics read ------------------------------------------------------------


def test_overdue_invoices_gives_days_overdue_for_all_residents_in_one_query(intake_staff, django_assert_num_queries):
    a, b = ResidentFactory(), ResidentFactory()
    a_due = charge(a, intake_staff, due_on=TODAY)
    b_due = charge(b, intake_staff, "300.00", due_on=TODAY)
    partly_paid = charge(b, intake_staff, "500.00", due_on=TODAY + timedelta(days=3))
    pay(partly_paid, intake_staff, "200.00")
    settled = charge(a, intake_staff, "50.00", due_on=TODAY)
    pay(settled, intake_staff, "50.00")
    charge(a, intake_staff, "70.00", due_on=TODAY + timedelta(days=40))  # not due yet

    later = TODAY + timedelta(days=31)
    with django_assert_num_queries(1):  # invoices + paid sums + residents + agreements in one statement
        rows = list(selectors.overdue_invoices(today=later))

    assert [(row.pk, row.days_overdue, row.balance) for row in rows] == [
        (a_due.pk, 31, Decimal("1000.00")),
        (b_due.pk, 31, Decimal("300.00")),
        (partly_paid.pk, 28, Decimal("300.00")),
    ]
    assert rows[0].resident == a  # joined, no extra query
    assert list(selectors.overdue_invoices(today=TODAY)) == []  # due today is not overdue
    assert [row.days_overdue for row in selectors.overdue_invoices(today=TODAY + timedelta(days=1), resident=a)] == [1]


def test_invoices_paid_late_counts_this_term_only(intake_staff):
    resident = ResidentFactory()
    old = charge(resident, intake_staff, due_on=TODAY)
    current = charge(resident, intake_staff, due_on=TODAY + timedelta(days=10))
    on_time = charge(resident, intake_staff, due_on=TODAY + timedelta(days=20))
    with time_machine.travel(NOW + timedelta(days=30), tick=False):
        pay(old, intake_staff, "1000.00", on=TODAY + timedelta(days=30))
        pay(current, intake_staff, "1000.00", on=TODAY + timedelta(days=11))
        pay(on_time, intake_staff, "1000.00", on=TODAY + timedelta(days=20))

    assert list(selectors.invoices_paid_late(resident, since=TODAY + timedelta(days=1))) == [current]
    assert set(selectors.invoices_paid_late(resident, since=date(2026, 1, 1))) == {old, current}


def test_outstanding_invoices_and_the_resident_balance(intake_staff):
    resident = ResidentFactory()
    first, second = charge(resident, intake_staff, "100.00"), charge(resident, intake_staff, "250.00")
    pay(first, intake_staff, "100.00")
    pay(second, intake_staff, "50.00")

    assert [(i.pk, i.balance) for i in selectors.outstanding_invoices(resident)] == [(second.pk, Decimal("200.00"))]
    assert selectors.resident_balance(resident) == Decimal("200.00")
