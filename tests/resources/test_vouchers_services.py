"""Voucher services (RULEBOOK §6): programme notice, application and review with deadline, issue, usage,
import (all or nothing), expiry (idempotent), warnings, fraud → freeze + 3b case, reward grant, exit, guards."""

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from openpyxl import Workbook

from opc_community.core.errors import DomainError
from opc_community.notices.models import Publication, PublicationKind
from opc_community.portal.models import Notification
from residents.guards import Action, Refusal, register_guard, unregister_guard
from resources.models import (
    ApplicationStatus,
    EntryKind,
    VoucherApplication,
    VoucherEntry,
    VoucherGrant,
)
from resources.services import voucher_expiry, voucher_fraud, voucher_imports
from resources.services import vouchers as services
from tests.resources.support import NOW, at, granted, programme, sh

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def test_opening_a_programme_publishes_a_resource_notice(resources_staff):
    prog = programme(published_at=None, title="模型券 · 通用大模型")
    services.programme_open(programme=prog, actor=resources_staff)
    publication = Publication.objects.get(kind=PublicationKind.RESOURCE_SUPPLY)
    assert "模型券 · 通用大模型" in publication.title
    assert "南沙算力调度平台" in publication.body and "2026年12月31日" in publication.body
    prog.refresh_from_db()
    assert prog.published_at is not None
    with pytest.raises(DomainError):
        services.programme_open(programme=prog, actor=resources_staff)


def test_apply_sets_the_review_deadline_in_working_days(member_a):
    prog = programme()
    files = [SimpleUploadedFile("计划书.pdf", PDF)]
    application = services.application_submit(programme=prog, resident=member_a, purpose="训练垂类模型",
                                              files=files, actor=member_a.user)
    # Mon 2026-10-12 + 5 working days → Mon 2026-10-19 23:59:59 (RULEBOOK §2).
    assert application.review_due_at == sh(2026, 10, 19, 23, 59, 59)
    assert application.amount_requested == Decimal("1000.00")
    assert application.files.count() == 1


def test_apply_refuses_outside_the_window_and_above_the_cap(member_a):
    with pytest.raises(DomainError) as closed:
        services.application_submit(programme=programme(closes_on=date(2026, 10, 11)), resident=member_a,
                                    purpose="x", actor=member_a.user)
    assert closed.value.message == "该项目已于 2026年10月11日 截止申请。"
    with pytest.raises(DomainError) as cap:
        services.application_submit(programme=programme(), resident=member_a, purpose="x", amount="2000.01",
                                    actor=member_a.user)
    assert cap.value.field == "amount"


def test_a_second_pending_application_is_refused(member_a):
    prog = programme()
    services.application_submit(programme=prog, resident=member_a, purpose="x", actor=member_a.user)
    with pytest.raises(DomainError):
        services.application_submit(programme=prog, resident=member_a, purpose="y", actor=member_a.user)


def test_approve_issues_a_grant_with_expiry_and_ledger_entry(member_a, resources_staff):
    grant = granted(member_a, resources_staff, amount="800")
    assert (grant.amount, grant.balance) == (Decimal("800.00"), Decimal("800.00"))
    assert grant.expires_at == sh(2027, 1, 11)  # issued 2026-10-12, 90 days: usable through 2027-01-10
    assert grant.number.startswith("QJ2026-")
    entry = grant.entries.get()
    assert (entry.kind, entry.amount, entry.balance_after) == (EntryKind.ISSUE, Decimal("800.00"), Decimal("800.00"))
    assert grant.application.status == ApplicationStatus.APPROVED
    assert Notification.objects.filter(recipient=member_a.user, kind="resources.voucher_issued").exists()


def test_approve_refuses_above_the_budget(member_a, resources_staff):
    prog = programme(budget=Decimal("1500"))
    application = services.application_submit(programme=prog, resident=member_a, purpose="x", actor=member_a.user)
    with pytest.raises(DomainError) as error:
        services.application_approve(application=application, amount="1600", actor=resources_staff)
    assert error.value.message == "该项目预算剩余 1500.00 元。"


def test_refuse_needs_a_reason_and_tells_the_resident(member_a, resources_staff):
    application = services.application_submit(programme=programme(), resident=member_a, purpose="x",
                                              actor=member_a.user)
    with pytest.raises(DomainError):
        services.application_refuse(application=application, reason=" ", actor=resources_staff)
    services.application_refuse(application=application, reason="材料不全", actor=resources_staff)
    application.refresh_from_db()
    assert (application.status, application.refusal_reason) == (ApplicationStatus.REFUSED, "材料不全")


def test_only_managers_review(member_a, daily_staff):
    application = services.application_submit(programme=programme(), resident=member_a, purpose="x",
                                              actor=member_a.user)
    with pytest.raises(DomainError):
        services.application_approve(application=application, actor=daily_staff)


def test_usage_reduces_the_balance_and_never_overdraws(member_a, resources_staff):
    grant = granted(member_a, resources_staff, amount="100")
    services.usage_record(grant=grant, amount="60", actor=resources_staff, reference="S-1")
    with pytest.raises(DomainError) as error:
        services.usage_record(grant=grant, amount="40.01", actor=resources_staff)
    assert "余额" in error.value.message
    services.usage_record(grant=grant, amount="40", actor=resources_staff)
    grant.refresh_from_db()
    assert grant.balance == 0
    assert list(grant.entries.values_list("balance_after", flat=True)) == [Decimal("100"), Decimal("40"),
                                                                         Decimal("0")]


def test_the_database_refuses_a_negative_balance(member_a, resources_staff):
    grant = granted(member_a, resources_staff, amount="100")
    with pytest.raises(IntegrityError), transaction.atomic():
        VoucherGrant.objects.filter(pk=grant.pk).update(balance=Decimal("-0.01"))


def test_a_provider_reference_is_recorded_once(member_a, resources_staff):
    grant = granted(member_a, resources_staff)
    services.usage_record(grant=grant, amount="1", actor=resources_staff, reference="S-1")
    with pytest.raises(DomainError):
        services.usage_record(grant=grant, amount="1", actor=resources_staff, reference="S-1")


def test_a_suspended_resident_cannot_use_or_apply(member_a, resources_staff):
    grant = granted(member_a, resources_staff)

    def guard(resident, action, *, at):
        if action in (Action.USE_VOUCHER, Action.APPLY_VOUCHER):
            return Refusal("资源使用权限已暂停")
        return None

    register_guard("test.vouchers", guard)
    try:
        with pytest.raises(DomainError, match="暂停"):
            services.usage_record(grant=grant, amount="1", actor=resources_staff)
        with pytest.raises(DomainError, match="暂停"):
            services.application_submit(programme=programme(title="另一个"), resident=member_a, purpose="x",
                                        actor=member_a.user)
    finally:
        unregister_guard("test.vouchers")


def _statement(*rows) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(["券号", "用量", "使用日期", "流水号", "备注"])
    for row in rows:
        sheet.append(list(row))
    stream = BytesIO()
    book.save(stream)
    return SimpleUploadedFile("statement.xlsx", stream.getvalue())


def test_import_writes_every_row(member_a, resources_staff):
    grant = granted(member_a, resources_staff, amount="100")
    result = voucher_imports.usage_import(upload=_statement((grant.number, 30, "2026-10-12", "L1", ""),
                                                     (grant.number, 20, "2026-10-12", "L2", "推理")),
                                   actor=resources_staff)
    assert (result.entries, result.total) == (2, Decimal("50.00"))
    grant.refresh_from_db()
    assert grant.balance == Decimal("50.00")


def test_import_writes_nothing_when_a_row_fails(member_a, resources_staff):
    grant = granted(member_a, resources_staff, amount="100")
    upload = _statement((grant.number, 30, "2026-10-12", "L1", ""), ("QJ2026-99999", 5, "2026-10-12", "L2", ""),
                        (grant.number, 80, "2026-10-12", "L3", ""))
    with pytest.raises(DomainError) as error:
        voucher_imports.usage_import(upload=upload, actor=resources_staff)
    assert error.value.details["errors"][0] == "第 3 行：没有编号为“QJ2026-99999”的算力券"
    assert "第 4 行" in error.value.details["errors"][1]  # 30 + 80 > 100: the second use overdraws
    grant.refresh_from_db()
    assert grant.balance == Decimal("100.00")
    assert not VoucherEntry.objects.filter(kind=EntryKind.USE).exists()


def test_expiry_is_daily_and_idempotent_and_warned_before(member_a, resources_staff):
    grant = granted(member_a, resources_staff, amount="100")
    services.usage_record(grant=grant, amount="30", actor=resources_staff)
    with at(sh(2026, 12, 28, 9, 0)):
        assert voucher_expiry.expiry_warn() == 1
        assert voucher_expiry.expiry_warn() == 0  # once per grant
    with at(sh(2027, 1, 10, 23, 0)):
        assert voucher_expiry.grants_expire() == 0
    with at(sh(2027, 1, 11, 0, 20)):
        assert voucher_expiry.grants_expire() == 1
        assert voucher_expiry.grants_expire() == 0
    grant.refresh_from_db()
    assert grant.balance == 0 and grant.expired_at is not None
    assert grant.entries.get(kind=EntryKind.EXPIRY).amount == Decimal("-70.00")


def test_fraud_freezes_the_vouchers_and_opens_a_3b_case(member_a, resources_staff):
    from discipline.models import ViolationCase

    grant = granted(member_a, resources_staff)
    finding = voucher_fraud.fraud_record(resident=member_a, facts="伪造算力使用报告，套取算力券。", actor=resources_staff,
                                    evidence=SimpleUploadedFile("报告.pdf", PDF), application=grant.application)
    grant.refresh_from_db()
    assert grant.frozen_at is not None
    assert grant.entries.filter(kind=EntryKind.FREEZE).exists()
    case = ViolationCase.objects.get(source_key=f"voucher_fraud:{finding.pk}")
    assert case.kind == "3b" and "伪造算力使用报告" in case.facts
    assert case.evidence.count() == 1
    assert finding.case_reference == case.number
    with pytest.raises(DomainError, match="冻结"):
        services.usage_record(grant=grant, amount="1", actor=resources_staff)


def test_exit_ends_the_vouchers(member_a, resources_staff):
    grant = granted(member_a, resources_staff, amount="100")
    pending = services.application_submit(programme=programme(title="模型券"), resident=member_a, purpose="x",
                                          actor=member_a.user)
    note = voucher_expiry.grants_end_for_exit(resident=member_a, exit=None, actor=resources_staff)
    assert note
    grant.refresh_from_db()
    assert grant.balance == 0 and grant.ended_at is not None
    assert VoucherApplication.objects.get(pk=pending.pk).status == ApplicationStatus.WITHDRAWN
    assert voucher_expiry.grants_end_for_exit(resident=member_a, exit=None, actor=resources_staff) == ""


def test_reward_grant_is_once_per_source(member_a, administrator):
    first = services.reward_grant(resident=member_a, amount=Decimal("500"), source_key="reward:1", actor=administrator)
    again = services.reward_grant(resident=member_a, amount=Decimal("500"), source_key="reward:1", actor=administrator)
    assert first.pk == again.pk
    assert first.entries.get().kind == EntryKind.REWARD
    assert first.expires_at - first.issued_at > timedelta(days=364)


def test_now_is_monday():
    assert NOW.weekday() == 0


def test_registered_in_the_exit_and_the_archive(member_a, resources_staff):
    from residents.selectors.archive import resident_archive
    from residents.services.lifecycle import exit_handlers

    assert exit_handlers()["resources.vouchers"] is voucher_expiry.grants_end_for_exit
    grant = granted(member_a, resources_staff)
    services.application_refuse(
        application=services.application_submit(programme=programme(title="模型券"), resident=member_a,
                                                purpose="x", actor=member_a.user),
        reason="材料不全", actor=resources_staff)
    sections = {key: rows for key, _label, rows in resident_archive(member_a).sections}
    titles = [row.title for row in sections["voucher"]]
    assert any(grant.number in title for title in titles)
    assert any("未批准" in title for title in titles)
