"""Borrowing a projector on a phone, in a real browser (第四章第二条): the resident finds it available, reserves it
with a due time, sees it in "my loans"; staff hand it out; the due time passes, the daily job flags it and the
resident sees it overdue; staff take it back late, and the resident sees the days it was late."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from opc_community.accounts.roles import Role
from spaces.models import EquipmentLoan, LoanStatus
from spaces.services import equipment as services
from tests.browser.support import SCREENSHOTS, fits_the_phone, log_in
from tests.factories import UserFactory
from tests.spaces.factories import EquipmentFactory
from tests.spaces.support.bookings import make_member

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]



def test_a_resident_borrows_a_projector_on_a_phone_and_returns_it_late(phone):
    # Given a checked-in resident, a projector at the front desk and the daily management team
    resident = make_member(UserFactory(username="zhangsan", full_name="张三", roles=[Role.RESIDENT]), "张三")
    staff = UserFactory(username="daily", full_name="钱日常", is_staff=True, roles=[Role.DAILY])
    projector = EquipmentFactory(asset_number="EQ-P01", name="爱普生投影仪")
    due = timezone.localtime() + timedelta(days=2)

    # When the resident opens "borrow equipment" and taps the projector
    log_in(phone, "zhangsan", "/portal/spaces/equipment/")
    expect(phone.locator("h1")).to_have_text("借用设备")
    expect(phone.get_by_test_id("equipment-list")).to_contain_text("可借")
    assert fits_the_phone(phone)
    phone.get_by_role("link", name="借用", exact=True).click()
    expect(phone.locator("h1")).to_have_text("借用爱普生投影仪")

    # …and reserves it with a due time and a purpose
    phone.get_by_label("应还时间").fill(due.strftime("%Y-%m-%dT%H:%M"))
    phone.get_by_label("用途").fill("客户方案演示")
    assert fits_the_phone(phone)
    phone.screenshot(path=str(SCREENSHOTS / "equipment-borrow-375.png"), full_page=True)
    phone.get_by_role("button", name="预约", exact=True).click()

    # Then it is in "my loans", reserved to collect
    expect(phone.locator("h1")).to_have_text("我的借用")
    loans = phone.get_by_test_id("loan-list")
    expect(loans).to_contain_text("爱普生投影仪")
    expect(loans).to_contain_text("已预约，待领取")
    loan = EquipmentLoan.objects.get()
    assert (loan.resident_id, loan.equipment_id, loan.status) == (resident.pk, projector.pk, LoanStatus.REQUESTED)

    # When staff hand it out, and the due time passes without a return (the daily job flags it)
    services.loan_hand_out(loan=loan, actor=staff)
    EquipmentLoan.objects.filter(pk=loan.pk).update(due_at=timezone.now() - timedelta(hours=3),
                                                    requested_at=timezone.now() - timedelta(days=2))
    assert len(services.loans_flag_overdue()) == 1

    # Then the resident sees it overdue
    phone.reload()
    expect(phone.get_by_test_id("overdue")).to_contain_text("已逾期 1 天")
    assert fits_the_phone(phone)
    phone.screenshot(path=str(SCREENSHOTS / "equipment-overdue-375.png"), full_page=True)

    # When staff take it back late, in good condition
    services.loan_take_back(loan=loan, actor=staff, condition_in="good")

    # Then "my loans" shows it returned one day late
    phone.reload()
    expect(loans).to_contain_text("已归还")
    expect(loans).to_contain_text("逾期 1 天归还")
    loan.refresh_from_db()
    assert (loan.status, loan.overdue_days) == (LoanStatus.RETURNED, 1)
