"""Overdue fees suspend the resources until paid, in a real browser (第八章第二条 row 7, RULEBOOK §9): a fee
invoice reaches its 16th day overdue, the daily ladder opens the case, and once its publication window has
closed the resident's *resources* are suspended — on a phone the resident cannot borrow equipment or apply
for vouchers and reads why (the invoice to pay); staff record the payment, the suspension lifts at once, and
the resident borrows the projector."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from discipline.models import PenaltyMeasure, Suspension
from discipline.services.ladders import ladders_run
from opc_community.accounts.roles import Role
from opc_community.notices.tasks import close_publication_windows
from residents.models import InvoiceKind, PaymentMethod
from residents.services import ledger
from spaces.models import EquipmentLoan, LoanStatus
from tests.browser.support import SCREENSHOTS, fits_the_phone, log_in
from tests.factories import UserFactory
from tests.residents.support.lifecycle import on_day
from tests.resources.factories import VoucherProgrammeFactory
from tests.spaces.factories import EquipmentFactory
from tests.spaces.support.bookings import make_member

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

#: The ladder reached day 16 this many days ago: its publication window (3 working days, holidays
#: included) is over by now, so the close job applies the suspension with a start in the past.
DAYS_SINCE_DAY_16 = 10


def test_an_unpaid_invoice_suspends_borrowing_until_staff_record_the_payment(phone):
    # Given a checked-in resident, the administrator, a projector and an open voucher programme
    resident = make_member(UserFactory(username="zhangsan", full_name="张三", roles=[Role.RESIDENT]), "张三")
    staff = UserFactory(username="admin_lead", full_name="孙负责", is_staff=True, roles=[Role.ADMINISTRATOR])
    EquipmentFactory(asset_number="EQ-P01", name="爱普生投影仪")
    today = timezone.localdate()
    VoucherProgrammeFactory(title="第四季度算力券", opens_on=today - timedelta(days=30),
                            closes_on=today + timedelta(days=30))

    # …and a fee invoice whose 16th day overdue came DAYS_SINCE_DAY_16 days ago
    day_16 = today - timedelta(days=DAYS_SINCE_DAY_16)
    due_on = day_16 - timedelta(days=16)
    with on_day(due_on - timedelta(days=10)):
        invoice = ledger.invoice_create(
            resident=resident, kind=InvoiceKind.FEE, description="工位服务费", amount=Decimal("800.00"),
            due_on=due_on, issued_on=due_on - timedelta(days=10), actor=staff)

    # When the daily overdue-fee ladder runs that morning (08:00)…
    with on_day(day_16, hour=8):
        ladders_run(today=day_16)
    measure = PenaltyMeasure.objects.get(type="suspension")
    assert (measure.case.resident_id, measure.scope, measure.until_paid, measure.invoice_id) == (
        resident.pk, "resources", True, invoice.pk)

    # …and the hourly job closes its publication window, which applies the decision
    close_publication_windows()
    suspension = Suspension.objects.get(resident=resident)
    assert (suspension.scope, suspension.until_paid_id, suspension.lifted_at) == ("resources", invoice.pk, None)

    # Then on a phone the resident cannot borrow the projector, and reads why and what to pay
    log_in(phone, "zhangsan", "/portal/spaces/equipment/")
    expect(phone.locator("h1")).to_have_text("借用设备")
    refused = phone.get_by_test_id("borrow-refused")
    expect(refused).to_contain_text("资源使用权限已暂停")
    expect(refused).to_contain_text(f"直至账单 {invoice.number} 缴清")
    expect(refused).to_contain_text("不能借用设备")
    expect(phone.get_by_test_id("equipment-list")).to_contain_text("爱普生投影仪")
    expect(phone.get_by_test_id("equipment-list").get_by_role("link", name="借用", exact=True)).to_have_count(0)
    assert fits_the_phone(phone)
    phone.screenshot(path=str(SCREENSHOTS / "suspension-equipment-375.png"), full_page=True)

    # …nor apply for vouchers (the same suspension covers them)
    phone.goto("/portal/resources/vouchers/")
    expect(phone.locator("main")).to_contain_text("不能申请算力券或模型券")
    phone.get_by_test_id("voucher-programmes").get_by_role("link", name="第四季度算力券").click()
    expect(phone.locator("main")).to_contain_text(f"直至账单 {invoice.number} 缴清")
    expect(phone.get_by_test_id("voucher-apply-form")).to_have_count(0)
    phone.screenshot(path=str(SCREENSHOTS / "suspension-voucher-375.png"), full_page=True)

    # When staff record the payment of the invoice
    ledger.payment_record(invoice=invoice, amount="800.00", paid_on=today, method=PaymentMethod.BANK_TRANSFER,
                          reference="BANK-20261207", actor=staff)

    # Then the suspension is lifted at once
    suspension.refresh_from_db()
    assert suspension.lifted_at is not None

    # …and the resident borrows the projector
    phone.goto("/portal/spaces/equipment/")
    expect(phone.get_by_test_id("borrow-refused")).to_have_count(0)
    expect(phone.get_by_test_id("equipment-list")).to_contain_text("可借")
    phone.get_by_role("link", name="借用", exact=True).click()
    expect(phone.locator("h1")).to_have_text("借用爱普生投影仪")
    due = timezone.localtime() + timedelta(days=1)
    phone.get_by_label("应还时间").fill(due.strftime("%Y-%m-%dT%H:%M"))
    phone.get_by_label("用途").fill("客户方案演示")
    phone.get_by_role("button", name="预约", exact=True).click()
    expect(phone.locator("h1")).to_have_text("我的借用")
    expect(phone.get_by_test_id("loan-list")).to_contain_text("已预约，待领取")
    assert fits_the_phone(phone)
    phone.screenshot(path=str(SCREENSHOTS / "suspension-lifted-borrow-375.png"), full_page=True)
    loan = EquipmentLoan.objects.get()
    assert (loan.resident_id, loan.status) == (resident.pk, LoanStatus.REQUESTED)
