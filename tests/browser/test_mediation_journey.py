"""Mediation on a phone, in a real browser (第四章第三条 → 第九章第三条): 张三 asks for mediation with 欧阳娜娜,
she adds her side, the daily management team schedules a session and records that it failed; both see
where to go next — and a third resident never sees the mediation."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from opc_community.accounts.roles import Role
from residents.models import Mediation
from residents.services import mediation as services
from tests.browser.support import SCREENSHOTS, fits_the_phone, log_in
from tests.factories import UserFactory
from tests.spaces.support.bookings import make_member

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_mediation_asked_on_a_phone_and_closed_without_agreement(phone, browser):
    make_member(UserFactory(username="zhangsan", full_name="张三", roles=[Role.RESIDENT]), "张三")
    other = make_member(UserFactory(username="ouyang", full_name="欧阳娜娜", roles=[Role.RESIDENT]), "欧阳娜娜")
    make_member(UserFactory(username="zhaoliu", full_name="赵六", roles=[Role.RESIDENT]), "赵六")
    staff = UserFactory(username="daily", full_name="钱日常", is_staff=True, roles=[Role.DAILY])

    # 张三 asks for mediation on his phone
    log_in(phone, "zhangsan", "/portal/residents/mediation/new/")
    expect(phone.locator("h1")).to_have_text("申请调解")
    assert fits_the_phone(phone)
    phone.get_by_label("对方").select_option(str(other.pk))
    phone.get_by_label("事实经过").fill("相邻工位长时间外放语音通话，当面沟通两次未改善。")
    phone.get_by_label("您的诉求").fill("希望对方使用耳机，约定安静时段。")
    phone.screenshot(path=str(SCREENSHOTS / "mediation-new-375.png"), full_page=True)
    phone.get_by_role("button", name="提交").click()
    expect(phone.get_by_test_id("mediation-status")).to_have_text("待安排调解")
    mediation = Mediation.objects.get()

    # 欧阳娜娜 adds her side; the team schedules the session and records that it failed
    services.mediation_statement(mediation=mediation, text="我在赶项目，愿意配合。", actor=other.user)
    services.mediation_schedule(mediation=mediation, session_at=timezone.now() + timedelta(days=2),
                                place="三楼 302 洽谈室", actor=staff)
    phone.reload()
    expect(phone.get_by_test_id("mediation-session")).to_contain_text("三楼 302 洽谈室")
    expect(phone.get_by_text("我在赶项目，愿意配合。")).to_be_visible()
    services.mediation_close(mediation=mediation, requester_attended=True, respondent_attended=True, agreed=False,
                             outcome="双方未能就安静时段达成一致。", actor=staff)
    phone.reload()
    expect(phone.get_by_test_id("mediation-next-steps")).to_contain_text("人民法院")
    assert fits_the_phone(phone)
    phone.screenshot(path=str(SCREENSHOTS / "mediation-failed-375.png"), full_page=True)

    # A third resident gets nothing
    third = browser.new_page(base_url=phone.url.split("/portal")[0])
    log_in(third, "zhaoliu", f"/portal/residents/mediation/{mediation.pk}/")
    expect(third.locator("body")).not_to_contain_text("相邻工位")
    third.close()
