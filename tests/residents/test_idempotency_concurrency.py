"""Identical POSTs racing each other with real parallel database connections (threads, committed
data): a payment, a deposit movement or a complaint sent several times at once is recorded once
(opc_community.core.idempotency; the complaint's database guard).

The work is slowed down inside its transaction (after the write, before the commit), so the other
requests really arrive while the first one is open: without the mechanism each of them records its
own row (the control test shows it); with it they wait on the key and get the first answer.
"""

import time
from typing import Any

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from residents.models import Complaint, Invoice, Payment
from residents.services import complaints as complaint_services
from residents.services import ledger as ledger_services
from tests.concurrency import (  # noqa: F401 - the autouse fixture is imported to be active here
    committed_data,
    restore_snapshot_without_triggers,
    run_in_parallel,
)
from tests.forms import form_token
from tests.residents.support.agreements import onboarding
from tests.residents.support.complaints import FILED

pytestmark = committed_data

KEY = "9d6c0a52-3f1e-4b7a-8c55-0e4f2d1b7a10"
ALREADY_RECORDED = "已记录：此表单此前已提交，未重复记录。"
COMPLAINT = {"category": "facilities", "subject": "空调不制冷", "text": "301 会议室从周一起不制冷。"}


def _slowed(monkeypatch, module: Any, name: str) -> None:
    """``module.name`` sleeps after doing its work, inside the open transaction."""
    real = getattr(module, name)

    def slow(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        time.sleep(0.3)
        return result

    monkeypatch.setattr(module, name, slow)


@pytest.fixture
def invoice(intake_staff) -> Invoice:
    return ledger_services.invoice_create(resident=onboarding(name="张三"), kind="other", description="赔偿",
                                          amount="1000.00", due_on=timezone.localdate(), actor=intake_staff)


def _api(user, **headers) -> APIClient:
    client = APIClient(headers=headers)
    client.force_authenticate(user)
    return client


def _payment(invoice: Invoice) -> dict:
    return {"invoice": invoice.pk, "amount": "100.00", "paid_on": timezone.localdate().isoformat(), "method": "cash"}


# --- Payments --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("senders", [2, 10])
def test_concurrent_payments_with_one_key_are_recorded_once_with_one_answer(invoice, intake_staff, monkeypatch,
                                                                             senders):
    _slowed(monkeypatch, ledger_services, "payment_record")

    responses = run_in_parallel([
        (lambda: _api(intake_staff, **{"Idempotency-Key": KEY}).post("/api/v1/payments/", _payment(invoice),
                                                                       format="json"))
        for _ in range(senders)
    ])

    assert [r.status_code for r in responses] == [201] * senders, responses
    assert len({r.content for r in responses}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == senders - 1
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_control_concurrent_payments_without_a_key_are_each_recorded(invoice, intake_staff, monkeypatch):
    """The race above is real: without the key, the same five requests record five payments."""
    _slowed(monkeypatch, ledger_services, "payment_record")

    responses = run_in_parallel([
        (lambda: _api(intake_staff).post("/api/v1/payments/", _payment(invoice), format="json")) for _ in range(5)
    ])

    assert [r.status_code for r in responses] == [201] * 5
    assert Payment.objects.filter(invoice=invoice).count() == 5


def test_concurrent_payments_with_one_key_and_different_bodies_record_one_and_refuse_the_rest(
        invoice, intake_staff, monkeypatch):
    _slowed(monkeypatch, ledger_services, "payment_record")
    bodies = [_payment(invoice), {**_payment(invoice), "amount": "200.00"}]

    responses = run_in_parallel([
        (lambda body=body: _api(intake_staff, **{"Idempotency-Key": KEY}).post("/api/v1/payments/", body,
                                                                                format="json"))
        for body in bodies
    ])

    assert sorted(r.status_code for r in responses) == [201, 409], responses
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_the_payment_page_sent_three_times_at_once_records_once(invoice, intake_staff, monkeypatch):
    _slowed(monkeypatch, ledger_services, "payment_record")
    url = reverse("admin:residents_invoice_pay", args=[invoice.pk])
    clients = [Client() for _ in range(3)]
    for client in clients:
        client.force_login(intake_staff)
    body = {**_payment(invoice), "form_token": form_token(clients[0], url)}

    responses = run_in_parallel([(lambda client=client: client.post(url, body)) for client in clients])

    assert [r.status_code for r in responses] == [302] * 3, responses
    assert {r.headers["Location"] for r in responses} == {reverse("admin:residents_invoice_changelist")}
    said = sorted(str(m) for r in responses for m in get_messages(r.wsgi_request))
    assert said == sorted([f"已在账单 {invoice.number} 上登记收款 ¥100.00。", ALREADY_RECORDED, ALREADY_RECORDED])
    assert Payment.objects.filter(invoice=invoice).count() == 1


# --- Complaints ------------------------------------------------------------------------------------------


@pytest.fixture
def _filing_moment():
    with time_machine.travel(FILED, tick=True):
        yield


@pytest.mark.usefixtures("_filing_moment")
def test_the_complaint_page_sent_twice_at_once_files_one_complaint(member_a, monkeypatch):
    _slowed(monkeypatch, complaint_services, "notify")
    url = reverse("residents:complaint_new")
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(member_a.user)
    body = {**COMPLAINT, "form_token": form_token(clients[0], url)}

    responses = run_in_parallel([(lambda client=client: client.post(url, body)) for client in clients])

    complaint = Complaint.objects.get()
    assert [r.status_code for r in responses] == [302, 302], responses
    assert {r.headers["Location"] for r in responses} == {reverse("residents:complaint_detail", args=[complaint.pk])}


@pytest.mark.usefixtures("_filing_moment")
@pytest.mark.parametrize("senders", [3])
def test_concurrent_complaints_with_one_key_are_filed_once_with_one_answer(member_a, monkeypatch, senders):
    _slowed(monkeypatch, complaint_services, "notify")

    responses = run_in_parallel([
        (lambda: _api(member_a.user, **{"Idempotency-Key": KEY}).post("/api/v1/complaints/", COMPLAINT,
                                                                        format="json"))
        for _ in range(senders)
    ])

    assert [r.status_code for r in responses] == [201] * senders, responses
    assert len({r.content for r in responses}) == 1
    assert Complaint.objects.count() == 1


@pytest.mark.usefixtures("_filing_moment")
def test_concurrent_identical_complaints_without_a_key_are_filed_once_by_the_database(member_a, monkeypatch):
    """No key: the unique constraint on the open complaint makes the second insert wait for the
    first one's commit, then refuses it (409 naming the first complaint)."""
    _slowed(monkeypatch, complaint_services, "notify")

    responses = run_in_parallel([
        (lambda: _api(member_a.user).post("/api/v1/complaints/", COMPLAINT, format="json")) for _ in range(2)
    ])

    complaint = Complaint.objects.get()
    assert sorted(r.status_code for r in responses) == [201, 409], responses
    refused = next(r for r in responses if r.status_code == 409)
    assert refused.json()["complaint"] == complaint.pk and refused.json()["code"] == "already_filed"
