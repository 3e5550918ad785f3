"""A compute voucher on a phone, in a real browser (RULEBOOK §6, 第四章第三条): the resident opens 我的算力券, applies
to an open programme with a purpose and a plan; the resources team approves it; usage is recorded against the
grant; the resident sees the balance left and the issue and the use in the voucher history."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from opc_community.accounts.roles import Role
from resources.models import ApplicationStatus, EntryKind, VoucherApplication, VoucherEntry
from resources.services import vouchers as services
from tests.browser.support import SCREENSHOTS, fits_the_phone, log_in
from tests.factories import UserFactory
from tests.resources.factories import VoucherProgrammeFactory
from tests.spaces.support.bookings import make_member

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PLAN = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def test_a_resident_applies_for_a_compute_voucher_on_a_phone_and_sees_its_use(phone):
    # Given a checked-in resident, the resources team and a compute-voucher programme open today
    resident = make_member(UserFactory(username="zhangsan", full_name="张三", roles=[Role.RESIDENT]), "张三")
    staff = UserFactory(username="resources", full_name="孙资源", is_staff=True, roles=[Role.RESOURCES])
    today = timezone.localdate()
    VoucherProgrammeFactory(title="第四季度算力券", opens_on=today - timedelta(days=5),
                            closes_on=today + timedelta(days=30))

    # When the resident opens 我的算力券: nothing held yet, one programme taking applications
    log_in(phone, "zhangsan", "/portal/resources/vouchers/")
    expect(phone.locator("h1")).to_have_text("我的算力券")
    expect(phone.get_by_test_id("voucher-balance")).to_contain_text("可用余额")
    programmes = phone.get_by_test_id("voucher-programmes")
    expect(programmes).to_contain_text("第四季度算力券")
    assert fits_the_phone(phone)

    # …taps the programme and applies for 800 yuan with a purpose and a plan
    programmes.get_by_role("link", name="第四季度算力券").click()
    expect(phone.locator("h1")).to_have_text("第四季度算力券")
    form = phone.get_by_test_id("voucher-apply-form")
    form.get_by_label("用途").fill("训练客服垂类大模型，预计两周")
    form.get_by_label("金额").fill("800")
    form.get_by_label("申请材料").set_input_files(
        files=[{"name": "plan.pdf", "mimeType": "application/pdf", "buffer": PLAN}])
    assert fits_the_phone(phone)
    phone.screenshot(path=str(SCREENSHOTS / "voucher-apply-375.png"), full_page=True)
    form.get_by_role("button", name="提交申请").click()

    # Then it is back on 我的算力券 with the application waiting for a decision
    expect(phone.get_by_role("status")).to_contain_text("申请已提交")
    expect(phone.locator("h1")).to_have_text("我的算力券")
    expect(phone.get_by_test_id("voucher-applications")).to_contain_text("800.00")
    application = VoucherApplication.objects.get()
    assert (application.resident_id, application.status, application.amount_requested, application.files.count()) == (
        resident.pk, ApplicationStatus.SUBMITTED, Decimal("800.00"), 1)

    # When the resources team approves it, and the provider's use of 300 is recorded
    grant = services.application_approve(application=application, actor=staff)
    services.usage_record(grant=grant, amount="300", actor=staff, reference="NS-20261207-01")

    # Then the resident sees 500 of 800 left on the grant, and the balance
    phone.reload()
    expect(phone.get_by_test_id("voucher-balance")).to_contain_text("500.00")
    grants = phone.get_by_test_id("voucher-grants")
    expect(grants).to_contain_text(grant.number)
    expect(grants).to_contain_text("800.00")
    expect(grants).to_contain_text("500.00")
    assert fits_the_phone(phone)
    phone.screenshot(path=str(SCREENSHOTS / "voucher-mine-375.png"), full_page=True)

    # …and in the history, the issue and the use with the balance after each
    phone.get_by_role("link", name="算力券明细").click()
    expect(phone.locator("h1")).to_have_text("算力券明细")
    history = phone.get_by_test_id("voucher-history")
    expect(history.locator("li")).to_have_count(2)
    expect(history.locator("li").first).to_contain_text("使用")
    expect(history.locator("li").first).to_contain_text("500.00")
    expect(history.locator("li").last).to_contain_text("发放")
    assert fits_the_phone(phone)
    phone.screenshot(path=str(SCREENSHOTS / "voucher-history-375.png"), full_page=True)
    assert list(VoucherEntry.objects.order_by("pk").values_list("kind", "balance_after")) == [
        (EntryKind.ISSUE, Decimal("800.00")), (EntryKind.USE, Decimal("500.00"))]
