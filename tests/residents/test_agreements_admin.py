"""The operations desk for agreements and the ledger: issuing, recording payments, reversing, deposits,
cancelling, the Excel export, and list pages whose cost does not grow with the rows."""

from datetime import timedelta
from io import BytesIO

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from residents.models import Agreement, AgreementStatus, DepositEntry, Invoice, Payment
from residents.services import ledger
from tests.downloads import assert_safe_download
from tests.forms import form_token
from tests.residents.support.agreements import (
    NOW,
    TODAY,
    issue,
    onboarding,
    use_private_storage,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_storage(settings, tmp_path):
    return use_private_storage(settings, tmp_path)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def _action(client, model: str, action: str, objects, **data):
    return client.post(reverse(f"admin:residents_{model}_changelist"),
                       {"action": action, "_selected_action": [o.pk for o in objects], **data})


# --- Agreements -------------------------------------------------------------------------------------------


def test_the_intake_team_issues_an_agreement_from_the_desk(client_for, intake_staff):
    resident = onboarding(name="杭州智语科技有限公司")
    client = client_for(intake_staff)

    form = client.get(reverse("admin:residents_agreement_add"))
    assert form.status_code == 200
    assert "admin-autocomplete" in form.content.decode()  # residents are searched for, never listed
    found = client.get("/admin/autocomplete/", {
        "term": "杭州", "app_label": "residents", "model_name": "agreement", "field_name": "resident"})
    assert [row["text"] for row in found.json()["results"]] == ["杭州智语科技有限公司"]

    response = client.post(reverse("admin:residents_agreement_add"), {
        "resident": resident.pk, "starts_on": TODAY.isoformat(), "fee_period": "monthly", "fee_amount": "800.00",
        "deposit_amount": "2000.00"})

    agreement = Agreement.objects.get(resident=resident)
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("admin:residents_agreement_change", args=[agreement.pk])
    assert (agreement.number, agreement.issued_by) == ("OPC-2026-0001", intake_staff)
    assert agreement.invoices.count() == 12
    change = client.get(response.headers["Location"]).content.decode()
    assert "OPC-2026-0001" in change and "INV-2026-" in change  # the invoices inline


def test_a_refused_issue_shows_the_reason_next_to_the_field(client_for, intake_staff):
    resident = onboarding()

    response = client_for(intake_staff).post(reverse("admin:residents_agreement_add"), {
        "resident": resident.pk, "starts_on": (TODAY - timedelta(days=1)).isoformat(), "fee_period": "monthly",
        "fee_amount": "800.00", "deposit_amount": "2000.00"})

    assert response.status_code == 400
    assert "起始日不能早于今天" in response.content.decode()
    assert not Agreement.objects.exists()


def test_only_the_intake_team_and_the_lead_issue_agreements(client_for, daily_staff, oversight, administrator):
    url = reverse("admin:residents_agreement_add")
    assert client_for(daily_staff).get(url).status_code == 403
    assert client_for(oversight).get(url).status_code == 403
    assert client_for(administrator).get(url).status_code == 200


def test_cancelling_asks_for_a_reason(client_for, intake_staff):
    agreement = issue(onboarding(), intake_staff)
    client = client_for(intake_staff)

    asked = _action(client, "agreement", "cancel_agreements", [agreement])
    assert asked.status_code == 200 and "取消已签发的协议" in asked.content.decode()
    done = _action(client, "agreement", "cancel_agreements", [agreement], apply="1", reason="服务费填错")

    assert done.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.CANCELLED


def test_staff_download_the_archived_pdf(client_for, intake_staff, oversight, resident_a, private_storage):
    agreement = issue(onboarding(), intake_staff)
    url = reverse("admin:residents_agreement_pdf", args=[agreement.pk])

    for staff in (intake_staff, oversight):
        response = client_for(staff).get(url)
        assert_safe_download(response, f"{agreement.number}.pdf")
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert client_for(resident_a).get(url).status_code == 302  # not staff: the admin login


# --- Invoices and payments ------------------------------------------------------------------------------


def test_the_invoice_list_shows_balance_and_days_overdue_and_filters_overdue(client_for, intake_staff):
    resident = onboarding(name="张三")
    issue(resident, intake_staff)
    first = resident.invoices.order_by("due_on").first()
    ledger.payment_record(invoice=first, amount="300.00", paid_on=TODAY, method="cash", actor=intake_staff)

    with time_machine.travel(NOW + timedelta(days=12), tick=False):
        page = client_for(intake_staff).get(reverse("admin:residents_invoice_changelist"), {"state": "overdue"})

    text = page.content.decode()
    assert page.status_code == 200
    assert first.number in text
    assert '<strong style="color:#b42318">12</strong>' in text
    assert "¥500.00" in text  # open balance
    assert resident.invoices.order_by("due_on")[1].number not in text  # not overdue yet


def _changelist_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("admin:residents_invoice_changelist")).status_code == 200
    return len(captured)


def test_the_invoice_list_costs_the_same_with_1_or_24_invoices(client_for, intake_staff):
    client = client_for(intake_staff)
    issue(onboarding(), intake_staff, fee="9000.00", period="term")
    with_one = _changelist_queries(client)

    issue(onboarding(), intake_staff)
    issue(onboarding(), intake_staff)
    with_many = _changelist_queries(client)

    assert Invoice.objects.count() == 25
    assert with_one == with_many


def test_recording_a_payment_on_an_invoice(client_for, intake_staff):
    resident = onboarding(name="张三")
    issue(resident, intake_staff)
    invoice = resident.invoices.order_by("due_on").first()
    client = client_for(intake_staff)
    url = reverse("admin:residents_invoice_pay", args=[invoice.pk])

    # The list's action leads to the payment page of one invoice.
    assert _action(client, "invoice", "record_payment", [invoice]).headers["Location"] == url
    page = client.get(url).content.decode()
    assert "张三" in page and "¥800.00" in page

    token = form_token(client, url)
    over = client.post(url, {"amount": "800.01", "paid_on": TODAY.isoformat(), "method": "bank_transfer",
                             "form_token": token})
    assert over.status_code == 400 and "不接受超额付款" in over.content.decode()

    # The refused page, corrected and sent again with its token, records the payment.
    done = client.post(url, {"amount": "500.00", "paid_on": TODAY.isoformat(), "method": "bank_transfer",
                             "reference": "BK-1", "form_token": token})
    assert done.status_code == 302
    payment = Payment.objects.get()
    assert (payment.amount, payment.reference, payment.recorded_by) == (500, "BK-1", intake_staff)


def test_the_daily_team_and_oversight_only_read_the_ledger(client_for, intake_staff, daily_staff, oversight):
    resident = onboarding()
    issue(resident, intake_staff)
    invoice = resident.invoices.first()
    for staff in (daily_staff, oversight):
        client = client_for(staff)
        assert client.get(reverse("admin:residents_invoice_changelist")).status_code == 200
        assert client.get(reverse("admin:residents_invoice_pay", args=[invoice.pk])).status_code == 403
        assert client.get(reverse("admin:residents_depositentry_add")).status_code == 403
    assert not Payment.objects.exists()


def test_reversing_a_payment_asks_for_a_reason(client_for, intake_staff):
    resident = onboarding()
    issue(resident, intake_staff)
    payment = ledger.payment_record(invoice=resident.invoices.first(), amount="800.00", paid_on=TODAY,
                                    method="cash", actor=intake_staff)
    client = client_for(intake_staff)

    assert _action(client, "payment", "reverse_payments", [payment]).status_code == 200
    _action(client, "payment", "reverse_payments", [payment], apply="1", reason="重复登记")

    assert Payment.objects.get(reverses=payment).amount == -800
    page = client.get(reverse("admin:residents_payment_changelist")).content.decode()
    assert "icon-yes.svg" in page  # the original shows as reversed


def test_recording_deposit_movements(client_for, intake_staff):
    resident = onboarding(name="张三")
    client = client_for(intake_staff)
    url = reverse("admin:residents_depositentry_add")

    paid = client.post(url, {"resident": resident.pk, "kind": "paid", "amount": "2000.00", "on": TODAY.isoformat(),
                             "form_token": form_token(client, url)})
    refused = client.post(url, {"resident": resident.pk, "kind": "refunded", "amount": "2500.00",
                                "on": TODAY.isoformat(), "form_token": form_token(client, url)})

    assert paid.status_code == 302
    assert refused.status_code == 400 and "现持有保证金 ¥2,000.00" in refused.content.decode()
    assert DepositEntry.objects.get().amount == 2000


def test_the_excel_export_lists_the_selected_invoices(client_for, intake_staff):
    resident = onboarding(name="张三")
    issue(resident, intake_staff)
    invoices = list(resident.invoices.order_by("due_on")[:3])
    ledger.payment_record(invoice=invoices[0], amount="800.00", paid_on=TODAY, method="cash", actor=intake_staff)

    with time_machine.travel(NOW + timedelta(days=40), tick=False):
        response = _action(client_for(intake_staff), "invoice", "export_excel", invoices)

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("账单编号", "入驻主体", "入驻协议")
    assert [row[0] for row in rows[1:]] == [i.number for i in invoices]
    assert rows[1][7] == 0 and rows[1][11] is not None  # settled
    assert (rows[2][7], rows[2][10]) == (800, 9)  # open, 9 days overdue


def test_the_export_reads_its_rows_in_one_query(client_for, intake_staff):
    from residents.admin.agreements import InvoiceAdmin

    issue(onboarding(), intake_staff)
    issue(onboarding(), intake_staff)
    queryset = Invoice.objects.all()

    with CaptureQueriesContext(connection) as captured:
        InvoiceAdmin(Invoice, None).export_excel(None, queryset)

    assert len(captured) == 1


def test_the_acknowledgement_list_is_read_only(client_for, intake_staff):
    response = client_for(intake_staff).get(reverse("admin:residents_orientationacknowledgement_changelist"))
    assert response.status_code == 200
    assert client_for(intake_staff).get(reverse("admin:residents_orientationacknowledgement_add")).status_code == 403


def test_check_in_through_the_residents_list(client_for, intake_staff, daily_staff):
    """The residents list (lifecycle topic's admin) runs this topic's check-in service."""
    from tests.residents.support.agreements import ready_for_check_in
    from tests.spaces.factories import DeskFactory

    resident = onboarding()
    ready_for_check_in(resident, intake_staff)
    chosen = DeskFactory(code="D-1")

    _action(client_for(daily_staff), "resident", "check_in", [resident], apply="1", desk=chosen.pk)

    resident.refresh_from_db()
    assert resident.status == "active"
    assert resident.desk_assignments.get().desk == chosen
