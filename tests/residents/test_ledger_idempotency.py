"""Payments and deposit movements are recorded once (opc_community.core.idempotency): through the API
with an optional ``Idempotency-Key`` header, at the operations desk with the page's one-time token.
Races with parallel connections: tests/residents/test_idempotency_concurrency.py."""

import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from residents.models import DepositEntry, Invoice, Payment
from residents.services import ledger
from tests.forms import form_token
from tests.residents.support.agreements import NOW, TODAY, onboarding

pytestmark = pytest.mark.django_db

_PGHISTORY_PREFIX = re.compile(r"^SELECT set_config\('pghistory\.context_id'.*?true\); ")
KEY = "5f0c7c1e-8a43-4a55-9d0e-2b8f6f4f1a01"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def invoice(intake_staff) -> Invoice:
    return ledger.invoice_create(resident=onboarding(name="张三"), kind="other", description="赔偿", amount="1000.00",
                                 due_on=TODAY, actor=intake_staff)


def api(user, **headers) -> APIClient:
    client = APIClient(headers=headers)
    client.force_authenticate(user)
    return client


def _payment(invoice: Invoice, amount: str = "300.00") -> dict:
    return {"invoice": invoice.pk, "amount": amount, "paid_on": TODAY.isoformat(), "method": "bank_transfer",
            "reference": "BK-1"}


# --- The API ------------------------------------------------------------------------------------------


def test_a_repeated_payment_with_the_same_key_is_recorded_once_and_answered_alike(invoice, intake_staff):
    client = api(intake_staff, **{"Idempotency-Key": KEY})

    first = client.post("/api/v1/payments/", _payment(invoice), format="json")
    again = client.post("/api/v1/payments/", _payment(invoice), format="json")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert Payment.objects.get().pk == first.json()["id"]


def test_the_same_key_with_another_body_is_refused_in_chinese(invoice, intake_staff):
    client = api(intake_staff, **{"Idempotency-Key": KEY})
    client.post("/api/v1/payments/", _payment(invoice), format="json")

    refused = client.post("/api/v1/payments/", _payment(invoice, amount="300.01"), format="json")

    assert refused.status_code == 409
    assert refused.json() == {
        "detail": "该幂等键（Idempotency-Key）已用于另一个内容不同的请求；新的请求请使用新的键。",
        "code": "idempotency_key_reused", "field": "Idempotency-Key"}
    assert Payment.objects.count() == 1


def test_without_a_key_every_post_is_a_new_payment(invoice, intake_staff):
    """The key is optional (clients written before it keep working); without it, nothing is deduplicated."""
    client = api(intake_staff)
    assert [client.post("/api/v1/payments/", _payment(invoice), format="json").status_code
            for _ in range(2)] == [201, 201]
    assert Payment.objects.count() == 2


def test_a_new_key_is_a_new_payment(invoice, intake_staff):
    for key in ("key-1", "key-2"):
        assert api(intake_staff, **{"Idempotency-Key": key}).post(
            "/api/v1/payments/", _payment(invoice), format="json").status_code == 201
    assert Payment.objects.count() == 2


def test_a_key_is_the_callers_own(invoice, intake_staff, administrator):
    """Another user's request with the same key is its own request: no collision, no reading of the answer."""
    mine = api(intake_staff, **{"Idempotency-Key": KEY}).post("/api/v1/payments/", _payment(invoice), format="json")
    theirs = api(administrator, **{"Idempotency-Key": KEY}).post("/api/v1/payments/", _payment(invoice),
                                                                 format="json")

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]


def test_a_refused_request_keeps_no_key_so_the_corrected_one_goes_through(invoice, intake_staff):
    client = api(intake_staff, **{"Idempotency-Key": KEY})

    over = client.post("/api/v1/payments/", _payment(invoice, amount="1000.01"), format="json")
    corrected = client.post("/api/v1/payments/", _payment(invoice, amount="1000.00"), format="json")

    assert over.status_code == 400 and over.json()["field"] == "amount"
    assert corrected.status_code == 201
    assert Payment.objects.get().amount == 1000


def test_a_caller_without_the_permission_is_refused_with_or_without_a_key(invoice, daily_staff):
    client = api(daily_staff, **{"Idempotency-Key": KEY})
    assert [client.post("/api/v1/payments/", _payment(invoice), format="json").status_code
            for _ in range(2)] == [403, 403]
    assert not Payment.objects.exists()


@pytest.mark.parametrize("key", ["", "x" * 256, "带中文的键", "has space"])
def test_a_malformed_key_is_refused_with_400(invoice, intake_staff, key):
    client = APIClient()
    client.force_authenticate(intake_staff)

    response = client.post("/api/v1/payments/", _payment(invoice), format="json",
                           headers={"Idempotency-Key": key.encode().decode("latin-1")})

    assert response.status_code == 400
    assert response.json()["field"] == "Idempotency-Key"
    assert "请求头 Idempotency-Key 须为 1 至 255 个可见 ASCII 字符" in response.json()["detail"]
    assert not Payment.objects.exists()


def test_a_reversal_sent_twice_with_its_key_answers_alike(invoice, intake_staff):
    payment = ledger.payment_record(invoice=invoice, amount="300.00", paid_on=TODAY, method="cash", actor=intake_staff)
    client = api(intake_staff, **{"Idempotency-Key": KEY})

    first = client.post(f"/api/v1/payments/{payment.pk}/reverse/", {"reason": "重复登记"}, format="json")
    again = client.post(f"/api/v1/payments/{payment.pk}/reverse/", {"reason": "重复登记"}, format="json")

    assert (first.status_code, again.status_code) == (201, 201)  # not 409 "already reversed"
    assert again.content == first.content
    assert Payment.objects.filter(reverses=payment).count() == 1


def test_a_deposit_movement_sent_twice_with_its_key_is_recorded_once(intake_staff):
    resident = onboarding()
    client = api(intake_staff, **{"Idempotency-Key": KEY})
    body = {"resident": resident.pk, "kind": "paid", "amount": "2000.00", "on": TODAY.isoformat()}

    responses = [client.post("/api/v1/deposits/", body, format="json") for _ in range(2)]

    assert [r.status_code for r in responses] == [201, 201] and responses[0].content == responses[1].content
    assert DepositEntry.objects.count() == 1


def test_a_key_costs_two_queries_and_a_replay_touches_no_ledger_table(invoice, intake_staff):
    """The claim inserts the key's record and the answer updates it (each in a savepoint); a replay
    clashes on the insert and reads the record — it reads or writes nothing of the ledger."""
    client = api(intake_staff, **{"Idempotency-Key": KEY})

    def statements(body: dict) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert client.post("/api/v1/payments/", body, format="json").status_code == 201
        # Without the audit trail's context prefix (pghistory) and the savepoints.
        sqls = [_PGHISTORY_PREFIX.sub("", query["sql"]) for query in captured.captured_queries]
        return [sql for sql in sqls if "SAVEPOINT" not in sql]

    first, replay = statements(_payment(invoice)), statements(_payment(invoice))

    assert [sql.split()[0] for sql in first if "core_idempotencyrecord" in sql] == ["INSERT", "UPDATE"]
    assert [sql.split()[0] for sql in replay] == ["INSERT", "SELECT"]
    assert all("core_idempotencyrecord" in sql and "residents_" not in sql for sql in replay)


def test_the_openapi_schema_documents_the_header(openapi_schema):
    schema = openapi_schema

    for path in ("/api/v1/payments/", "/api/v1/payments/{id}/reverse/", "/api/v1/deposits/",
                 "/api/v1/complaints/"):
        parameters = {(p["in"], p["name"]): p for p in schema["paths"][path]["post"].get("parameters", [])}
        header = parameters[("header", "Idempotency-Key")]
        assert not header.get("required") and "Idempotent-Replayed" in header["description"]
    assert "parameters" not in schema["paths"]["/api/v1/payments/"]["get"] or all(
        p["name"] != "Idempotency-Key" for p in schema["paths"]["/api/v1/payments/"]["get"]["parameters"])


# --- The operations desk ---------------------------------------------------------------------------------


def _messages(response) -> list[str]:
    """The messages the page that a redirect led to showed."""
    return [str(message) for message in response.context["messages"]]


def _pay(client, invoice, token: str, amount: str = "300.00"):
    return client.post(reverse("admin:residents_invoice_pay", args=[invoice.pk]),
                       {"amount": amount, "paid_on": TODAY.isoformat(), "method": "cash", "form_token": token},
                       follow=True)


def test_the_payment_page_sent_twice_records_once_and_says_already_recorded(client_for, invoice, intake_staff):
    client = client_for(intake_staff)
    token = form_token(client, reverse("admin:residents_invoice_pay", args=[invoice.pk]))

    first, again = _pay(client, invoice, token), _pay(client, invoice, token)

    assert first.redirect_chain == again.redirect_chain == [(reverse("admin:residents_invoice_changelist"), 302)]
    assert _messages(first) == [f"已在账单 {invoice.number} 上登记收款 ¥300.00。"]
    assert _messages(again) == ["已记录：此表单此前已提交，未重复记录。"]
    assert Payment.objects.count() == 1


def test_the_payment_page_sent_again_with_other_values_is_refused(client_for, invoice, intake_staff):
    client = client_for(intake_staff)
    token = form_token(client, reverse("admin:residents_invoice_pay", args=[invoice.pk]))
    _pay(client, invoice, token)

    refused = _pay(client, invoice, token, amount="200.00")

    assert refused.status_code == 400
    assert "此表单已按不同的内容提交过；如需提交新的内容，请刷新页面后重新填写。" in refused.content.decode()
    assert Payment.objects.count() == 1


def test_the_payment_page_without_its_token_records_nothing(client_for, invoice, intake_staff):
    client = client_for(intake_staff)

    refused = _pay(client, invoice, token="")

    assert refused.status_code == 400
    page = refused.content.decode()
    assert "表单已过期，请核对所填内容后重新提交。" in page
    assert 'name="form_token" value="' in page  # a new token: sending the page again works
    assert not Payment.objects.exists()


def test_two_payment_pages_are_two_payments(client_for, invoice, intake_staff):
    client = client_for(intake_staff)
    url = reverse("admin:residents_invoice_pay", args=[invoice.pk])

    for _ in range(2):
        assert _pay(client, invoice, form_token(client, url)).redirect_chain

    assert Payment.objects.count() == 2


def test_the_deposit_page_sent_twice_records_once(client_for, intake_staff):
    resident = onboarding()
    client = client_for(intake_staff)
    url = reverse("admin:residents_depositentry_add")
    body = {"resident": resident.pk, "kind": "paid", "amount": "2000.00", "on": TODAY.isoformat(),
            "form_token": form_token(client, url)}

    first, again = client.post(url, body, follow=True), client.post(url, body, follow=True)

    assert first.redirect_chain == again.redirect_chain == [(reverse("admin:residents_depositentry_changelist"), 302)]
    assert _messages(again) == ["已记录：此表单此前已提交，未重复记录。"]
    assert DepositEntry.objects.count() == 1
