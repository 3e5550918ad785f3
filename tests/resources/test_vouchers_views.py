"""Voucher pages and API (RULEBOOK §6): the resident's pages (balance, warnings, history, apply), the staff
desk (queue with SLA, uptake report with chart and Excel, import), the API (own records only, provider
usage with an idempotency key), another resident's vouchers out of reach, fixed query counts."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from resources.models import (
    ApplicationStatus,
    EntryKind,
    VoucherApplication,
    VoucherEntry,
    VoucherGrant,
)
from resources.services import vouchers as services
from tests.factories import UserFactory
from tests.resources.factories import VoucherProviderFactory
from tests.resources.support import at, granted, programme, sh

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


# --- The resident's pages ------------------------------------------------------------------------------------


def test_my_vouchers_shows_balance_warning_and_grants(member_a, resources_staff, client_for):
    grant = granted(member_a, resources_staff, amount="800")
    services.usage_record(grant=grant, amount="300", actor=resources_staff)
    with at(sh(2026, 12, 30, 10, 0)):
        page = client_for(member_a.user).get(reverse("resources:my_vouchers"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "500.00" in text and grant.number in text
    assert 'data-testid="voucher-expiring"' in text and "2027年1月10日" in text


def test_history_lists_the_ledger(member_a, resources_staff, client_for):
    grant = granted(member_a, resources_staff)
    services.usage_record(grant=grant, amount="12.5", actor=resources_staff)
    page = client_for(member_a.user).get(reverse("resources:voucher_history"))
    assert page.status_code == 200 and "-12.50" in page.content.decode()


def test_apply_in_the_portal(member_a, client_for):
    prog = programme()
    client = client_for(member_a.user)
    assert client.get(reverse("resources:voucher_apply", args=[prog.pk])).status_code == 200
    response = client.post(reverse("resources:voucher_apply", args=[prog.pk]), {
        "purpose": "训练客服大模型", "amount": "500", "files": [SimpleUploadedFile("plan.pdf", PDF)],
    })
    assert response.status_code == 302
    application = VoucherApplication.objects.get(resident=member_a)
    assert application.amount_requested == Decimal("500.00") and application.files.count() == 1


def test_apply_refusal_stays_on_the_page_in_chinese(member_a, client_for):
    prog = programme()
    response = client_for(member_a.user).post(reverse("resources:voucher_apply", args=[prog.pk]),
                                              {"purpose": "x", "amount": "5000"})
    assert response.status_code == 400
    assert "本项目每位入驻主体最多 2000.00 元" in response.content.decode()


def test_a_resident_cannot_touch_another_residents_application(member_a, member_b, client_for):
    prog = programme()
    theirs = services.application_submit(programme=prog, resident=member_b, purpose="x", actor=member_b.user)
    response = client_for(member_a.user).post(reverse("resources:voucher_withdraw", args=[theirs.pk]))
    assert response.status_code == 404
    assert VoucherApplication.objects.get(pk=theirs.pk).status == ApplicationStatus.SUBMITTED


def test_my_vouchers_never_shows_another_residents(member_a, member_b, resources_staff, client_for):
    theirs = granted(member_b, resources_staff)
    text = client_for(member_a.user).get(reverse("resources:my_vouchers")).content.decode()
    assert theirs.number not in text


# --- The staff desk -------------------------------------------------------------------------------------------


def test_queue_flags_overdue_reviews(member_a, resources_staff, client_for):
    services.application_submit(programme=programme(), resident=member_a, purpose="x", actor=member_a.user)
    with at(sh(2026, 10, 20, 9, 0)):  # due Mon 2026-10-19
        page = client_for(resources_staff).get(reverse("admin:resources_voucherapplication_changelist"))
    assert page.status_code == 200 and "已逾期" in page.content.decode()


def test_uptake_report_and_export(member_a, resources_staff, client_for):
    grant = granted(member_a, resources_staff)
    services.usage_record(grant=grant, amount="250", actor=resources_staff)
    client = client_for(resources_staff)
    page = client.get(reverse("admin:resources_voucherprogramme_uptake"))
    assert page.status_code == 200
    assert 'id="uptake-chart-title"' in page.content.decode() and "25.0" in page.content.decode()
    export = client.get(reverse("admin:resources_voucherprogramme_uptake_export"))
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_import_page_writes_nothing_on_a_bad_row(member_a, resources_staff, client_for):
    grant = granted(member_a, resources_staff, amount="100")
    book = Workbook()
    book.active.append(["券号", "用量", "使用日期", "流水号", "备注"])
    book.active.append([grant.number, 50, "2026-10-12", "L1", ""])
    book.active.append([grant.number, 60, "2026-10-12", "L2", ""])
    stream = BytesIO()
    book.save(stream)
    response = client_for(resources_staff).post(reverse("admin:resources_vouchergrant_import"), {
        "statement": SimpleUploadedFile("s.xlsx", stream.getvalue())})
    assert response.status_code == 200 and "第 3 行" in response.content.decode()
    assert VoucherGrant.objects.get(pk=grant.pk).balance == Decimal("100.00")


def test_approve_action_issues_the_grant(member_a, resources_staff, client_for):
    application = services.application_submit(programme=programme(), resident=member_a, purpose="x",
                                              actor=member_a.user)
    response = client_for(resources_staff).post(reverse("admin:resources_voucherapplication_changelist"), {
        "action": "approve", "_selected_action": [application.pk], "apply": "1", "amount": "600"})
    assert response.status_code == 302
    assert VoucherGrant.objects.get(application=application).amount == Decimal("600.00")


# --- API ------------------------------------------------------------------------------------------------------


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_resident_sees_only_own(member_a, member_b, resources_staff):
    mine = granted(member_a, resources_staff)
    theirs = granted(member_b, resources_staff)
    client = _api(member_a.user)
    numbers = [row["number"] for row in client.get("/api/v1/voucher-grants/").json()["results"]]
    assert numbers == [mine.number]
    assert client.get(f"/api/v1/voucher-grants/{theirs.pk}/").status_code == 404
    entries = client.get("/api/v1/voucher-entries/").json()["results"]
    assert {row["grant_number"] for row in entries} == {mine.number}
    their_application = theirs.application
    assert client.post(f"/api/v1/voucher-applications/{their_application.pk}/withdraw/").status_code == 404


def test_api_apply_and_staff_approve(member_a, resources_staff):
    prog = programme()
    created = _api(member_a.user).post("/api/v1/voucher-applications/", {"programme": prog.pk, "purpose": "推理服务"},
                                       format="multipart")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert _api(member_a.user).post(f"/api/v1/voucher-applications/{pk}/approve/", {}).status_code == 403
    approved = _api(resources_staff).post(f"/api/v1/voucher-applications/{pk}/approve/", {"amount": "700"})
    assert approved.status_code == 200 and approved.json()["grant_number"].startswith("QJ2026-")


def test_provider_usage_by_token_with_idempotency_key(member_a, resources_staff):
    api_user = UserFactory(username="provider_bot")
    provider = VoucherProviderFactory(api_user=api_user)
    grant = granted(member_a, resources_staff, amount="100", prog=programme(provider=provider))
    token = Token.objects.create(user=api_user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_IDEMPOTENCY_KEY="stmt-2026-10-12-001")
    body = {"grant": grant.number, "amount": "40", "reference": "L-001"}
    first = client.post("/api/v1/voucher-usage/", body, format="json")
    again = client.post("/api/v1/voucher-usage/", body, format="json")
    assert first.status_code == 201, first.content
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert VoucherGrant.objects.get(pk=grant.pk).balance == Decimal("60.00")
    assert VoucherEntry.objects.filter(kind=EntryKind.USE).count() == 1
    over = APIClient()
    over.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    refused = over.post("/api/v1/voucher-usage/", {"grant": grant.number, "amount": "60.01"}, format="json")
    assert refused.status_code == 400 and "余额不得为负" in refused.content.decode()


def test_another_providers_account_cannot_record_usage(member_a, resources_staff):
    grant = granted(member_a, resources_staff)
    stranger = UserFactory(username="other_bot")
    VoucherProviderFactory(name="某模型厂商", api_user=stranger)
    response = _api(stranger).post("/api/v1/voucher-usage/", {"grant": grant.number, "amount": "1"}, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize("url", ["/api/v1/voucher-grants/", "/api/v1/voucher-entries/",
                                 "/api/v1/voucher-applications/", "/api/v1/voucher-programmes/"])
def test_api_lists_take_a_fixed_number_of_queries(url, resources_staff, django_assert_max_num_queries):
    from tests.resources.support import member

    for index in range(4):
        resident = member(name=f"居民{index}")
        grant = granted(resident, resources_staff, prog=programme(title=f"项目{index}"))
        services.usage_record(grant=grant, amount="1", actor=resources_staff)
    client = _api(resources_staff)
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert response.status_code == 200 and response.json()["count"] >= 4


def test_portal_page_takes_a_fixed_number_of_queries(member_a, resources_staff, client_for,
                                                    django_assert_max_num_queries):
    for index in range(3):
        grant = granted(member_a, resources_staff, amount="500", prog=programme(title=f"项目{index}"))
        services.usage_record(grant=grant, amount="1", actor=resources_staff)
    client = client_for(member_a.user)
    client.get(reverse("resources:my_vouchers"))
    with django_assert_max_num_queries(20):
        assert client.get(reverse("resources:my_vouchers")).status_code == 200


def test_fraud_action_freezes_and_opens_a_case(member_a, resources_staff, client_for):
    from discipline.models import ViolationCase

    grant = granted(member_a, resources_staff)
    response = client_for(resources_staff).post(reverse("admin:resources_voucherapplication_changelist"), {
        "action": "record_fraud", "_selected_action": [grant.application.pk], "apply": "1",
        "occurred_on": "2026-10-12", "facts": "提交的算力使用报告系伪造。",
        "evidence": SimpleUploadedFile("证据.pdf", PDF)})
    assert response.status_code == 302
    assert VoucherGrant.objects.get(pk=grant.pk).frozen_at is not None
    assert ViolationCase.objects.filter(resident=member_a, kind="3b").exists()


def test_a_suspended_resident_sees_why_instead_of_the_form(member_a, client_for):
    from residents.guards import Refusal, register_guard, unregister_guard

    prog = programme()
    register_guard("test.vouchers", lambda resident, action, *, at: Refusal("资源使用权限已暂停至 2026年10月20日"))
    try:
        page = client_for(member_a.user).get(reverse("resources:voucher_apply", args=[prog.pk]))
    finally:
        unregister_guard("test.vouchers")
    text = page.content.decode()
    assert "资源使用权限已暂停" in text and 'data-testid="voucher-apply-form"' not in text
