"""/api/v1/agreements/, invoices/, payments/, deposits/: residents read their own (others: 404), staff
read everything with filters, the ledger team records payments and deposits (400 with field errors)."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from rest_framework.test import APIClient

from residents.models import DepositEntry, Payment
from residents.services import ledger
from tests.residents.support.agreements import NOW, TODAY, issue, onboarding

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def a(resident_a, intake_staff):
    resident = onboarding(user=resident_a, name="张三")
    issue(resident, intake_staff)
    first = resident.invoices.order_by("due_on").first()
    ledger.payment_record(invoice=first, amount="800.00", paid_on=TODAY, method="cash", actor=intake_staff)
    ledger.deposit_record(resident=resident, kind="paid", amount="2000.00", on=TODAY, actor=intake_staff)
    return resident


@pytest.fixture
def b(resident_b, intake_staff):
    resident = onboarding(user=resident_b, name="欧阳娜娜")
    issue(resident, intake_staff, fee="500.00", period="term")
    ledger.deposit_record(resident=resident, kind="paid", amount="100.00", on=TODAY, actor=intake_staff)
    return resident


ENDPOINTS = ("agreements", "invoices", "payments", "deposits")


def _ids(resident):
    return {
        "agreements": resident.agreements.get().pk,
        "invoices": resident.invoices.order_by("due_on").first().pk,
        "payments": (resident.payments.first() or Payment(pk=0)).pk,
        "deposits": resident.deposit_entries.get().pk,
    }


def test_anonymous_callers_are_refused(a):
    for endpoint in ENDPOINTS:
        assert api().get(f"/api/v1/{endpoint}/").status_code in (401, 403), endpoint


def test_a_resident_reads_only_its_own_rows_and_gets_404_for_others(a, b):
    client = api(a.user)
    for endpoint in ENDPOINTS:
        rows = client.get(f"/api/v1/{endpoint}/").json()["results"]
        assert rows and {row["resident"] for row in rows} == {a.pk}, endpoint
    for endpoint, pk in _ids(b).items():
        if endpoint == "payments":
            continue  # B has none; A's own payment is covered by the list above
        assert client.get(f"/api/v1/{endpoint}/{pk}/").status_code == 404, endpoint
    assert api(b.user).get(f"/api/v1/payments/{_ids(a)['payments']}/").status_code == 404
    # Filtering by another resident finds nothing rather than leaking.
    assert api(a.user).get("/api/v1/invoices/", {"resident": b.pk}).json()["count"] == 0


def test_an_invoice_carries_balance_and_days_overdue(a):
    with time_machine.travel(NOW + timedelta(days=40), tick=False):
        rows = api(a.user).get("/api/v1/invoices/", {"overdue": "true"}).json()["results"]

    assert [(row["due_on"], row["balance"], row["days_overdue"]) for row in rows] == [
        ((TODAY + timedelta(days=31)).isoformat(), "800.00", 9),
    ]
    agreement = api(a.user).get("/api/v1/agreements/").json()["results"][0]
    assert agreement["pdf_url"].endswith(f"/portal/residents/agreements/{agreement['id']}/pdf/")


def test_residents_cannot_record_payments_or_deposits(a):
    invoice = a.invoices.order_by("due_on")[1]
    client = api(a.user)

    assert client.post("/api/v1/payments/", {"invoice": invoice.pk, "amount": "800.00", "paid_on": TODAY,
                                             "method": "cash"}).status_code == 403
    assert client.post("/api/v1/deposits/", {"resident": a.pk, "kind": "refunded", "amount": "1",
                                             "on": TODAY}).status_code == 403
    assert client.post(f"/api/v1/payments/{a.payments.get().pk}/reverse/", {"reason": "x"}).status_code == 403
    assert Payment.objects.count() == 1


def test_staff_read_everything_with_filters(a, b, oversight, daily_staff):
    for staff in (oversight, daily_staff):
        client = api(staff)
        assert client.get("/api/v1/agreements/").json()["count"] == 2
        assert client.get("/api/v1/invoices/", {"resident": b.pk}).json()["count"] == 1
        assert client.get("/api/v1/invoices/", {"open": "true"}).json()["count"] == 12  # 11 of A + 1 of B
        assert client.get("/api/v1/invoices/", {"kind": "fine"}).json()["count"] == 0
        assert client.get("/api/v1/deposits/", {"kind": "paid"}).json()["count"] == 2
        assert client.get("/api/v1/agreements/", {"fee_period": "term"}).json()["results"][0]["resident"] == b.pk


def test_the_ledger_team_records_a_payment(a, intake_staff):
    invoice = a.invoices.order_by("due_on")[1]

    response = api(intake_staff).post("/api/v1/payments/", {
        "invoice": invoice.pk, "amount": "300.00", "paid_on": TODAY.isoformat(), "method": "alipay",
        "reference": "2026050612345"}, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["amount"] == "300.00"
    assert Payment.objects.get(pk=response.json()["id"]).recorded_by == intake_staff


def test_payment_errors_are_400_with_fields(a, intake_staff):
    invoice = a.invoices.order_by("due_on")[1]
    client = api(intake_staff)

    missing = client.post("/api/v1/payments/", {"invoice": invoice.pk}, format="json")
    assert missing.status_code == 400
    assert {"amount", "paid_on", "method"} <= set(missing.json())

    over = client.post("/api/v1/payments/", {"invoice": invoice.pk, "amount": "800.01",
                                             "paid_on": TODAY.isoformat(), "method": "cash"}, format="json")
    assert over.status_code == 400
    assert over.json()["field"] == "amount"
    assert "不接受超额付款" in over.json()["detail"]

    reversal = client.post("/api/v1/payments/", {"invoice": invoice.pk, "amount": "1", "paid_on": TODAY.isoformat(),
                                                 "method": "reversal"}, format="json")
    assert reversal.status_code == 400 and "method" in reversal.json()


def test_only_staff_with_the_ledger_permission_record_payments(a, daily_staff, oversight, administrator):
    invoice = a.invoices.order_by("due_on")[1]
    body = {"invoice": invoice.pk, "amount": "10.00", "paid_on": TODAY.isoformat(), "method": "cash"}

    assert api(daily_staff).post("/api/v1/payments/", body, format="json").status_code == 403
    assert api(oversight).post("/api/v1/payments/", body, format="json").status_code == 403
    assert api(administrator).post("/api/v1/payments/", body, format="json").status_code == 201


def test_a_payment_is_reversed_once(a, intake_staff):
    payment = a.payments.get()
    client = api(intake_staff)

    first = client.post(f"/api/v1/payments/{payment.pk}/reverse/", {"reason": "重复登记"}, format="json")
    again = client.post(f"/api/v1/payments/{payment.pk}/reverse/", {"reason": "重复登记"}, format="json")

    assert first.status_code == 201 and first.json()["amount"] == "-800.00"
    assert first.json()["reverses"] == payment.pk
    assert again.status_code == 409
    assert client.post(f"/api/v1/payments/{payment.pk}/reverse/", {}, format="json").status_code == 400


def test_deposit_movements_never_take_the_deposit_below_zero(b, intake_staff):
    client = api(intake_staff)

    refused = client.post("/api/v1/deposits/", {"resident": b.pk, "kind": "forfeited", "amount": "100.01",
                                                "on": TODAY.isoformat()}, format="json")
    assert refused.status_code == 400
    assert refused.json()["field"] == "amount" and "现持有保证金 ¥100.00" in refused.json()["detail"]

    done = client.post("/api/v1/deposits/", {"resident": b.pk, "kind": "forfeited", "amount": "100.00",
                                             "on": TODAY.isoformat(), "note": "强制退出"}, format="json")
    assert done.status_code == 201
    assert DepositEntry.objects.filter(resident=b, kind="forfeited").get().amount == Decimal("100.00")


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_list_queries_do_not_grow_with_the_rows(a, b, intake_staff, endpoint, django_assert_num_queries):
    """1 count + 1 page of rows (joins and balance subqueries inside), plus who the caller is: the same
    with B's one row and A's many."""
    ledger.payment_record(invoice=b.invoices.get(), amount="100.00", paid_on=TODAY, method="cash", actor=intake_staff)
    for invoice in a.invoices.order_by("due_on")[1:6]:  # A: 6 payments, 4 deposit entries, 12 invoices
        ledger.payment_record(invoice=invoice, amount="800.00", paid_on=TODAY, method="cash", actor=intake_staff)
    for _ in range(3):
        ledger.deposit_record(resident=a, kind="paid", amount="1.00", on=TODAY, actor=intake_staff)
    for resident in (b, a):
        client = api(resident.user)
        # 1 resident (IsResident; not staff, so no groups query), 2 count, 3 rows
        with django_assert_num_queries(3):
            assert client.get(f"/api/v1/{endpoint}/").status_code == 200
    staff = api(intake_staff)
    with django_assert_num_queries(3):  # 1 groups, 2 count, 3 rows (all residents)
        assert staff.get(f"/api/v1/{endpoint}/").status_code == 200
