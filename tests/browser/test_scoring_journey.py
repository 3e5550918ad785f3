"""The quarterly assessment in a real browser (第六章; PIPL Art. 24): the administrator runs the quarter,
confirms and publishes it from the admin; the public board shows the results with masked names; the
resident reads its card on a phone — the rule behind each band — and appeals within the window."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from opc_community.accounts.roles import Role
from scoring import quarters
from scoring.models import Contribution, Quarter, QuarterStatus, ScoreAppeal, ScoreCard
from tests.browser.support import SCREENSHOTS, log_in
from tests.factories import TEST_PASSWORD, UserFactory
from tests.logins import authenticator, current_code
from tests.residents.factories import AgreementFactory
from tests.scoring.factories import QuarterFactory
from tests.scoring.support.inputs import member, stored_input

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SH = ZoneInfo("Asia/Shanghai")


def admin_action(page, quarter: Quarter, action: str) -> None:
    """Tick the quarter on the admin's list and run one of its named actions."""
    page.goto("/admin/scoring/quarter/")
    page.locator(f"input.action-select[value='{quarter.pk}']").check()
    page.locator("select[name='action']").select_option(action)
    page.locator("button[name='index']").click()


def test_staff_publish_a_quarter_and_the_resident_appeals_on_a_phone(page, phone):
    # Given the quarter that ended last, with two checked-in residents' inputs
    year, number = quarters.previous(*quarters.containing(timezone.localdate()), 1)[0]
    quarter = QuarterFactory(year=year, number=number, inputs_due_on=quarters.last_day(year, number))
    checked_in = datetime.combine(quarters.first_day(year, number), datetime.min.time(), tzinfo=SH)
    zhang = member(UserFactory(username="zhangsan", full_name="张三", roles=[Role.RESIDENT]), name="张三",
                   checked_in_at=checked_in)
    ouyang = member(UserFactory(username="ouyang", full_name="欧阳娜娜", roles=[Role.RESIDENT]), name="欧阳娜娜",
                    checked_in_at=checked_in)
    for resident in (zhang, ouyang):
        AgreementFactory(resident=resident, starts_on=date(year, 1, 1), ends_on=date(year, 12, 31))
    # plans accepted and results verified by staff (RULEBOOK §7.1): 60 % → 15 points
    data = stored_input(quarter, zhang, milestones_done=3, milestones_planned=5, status="verified")
    Contribution.objects.create(input=data, kind="open_source", description="开源 SDK", verified=True)
    stored_input(quarter, ouyang, status="verified")
    lead = UserFactory(username="lead", full_name="孙负责", is_staff=True, roles=[Role.ADMINISTRATOR])
    device = authenticator(lead)

    # When the administrator logs in to the admin (password, then the authenticator's code) …
    page.goto("/admin/login/?next=/admin/scoring/quarter/")
    page.locator("#id_username").fill("lead")
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.locator("input[type='submit']").click()
    expect(page.locator("h1")).to_have_text("输入验证码")
    page.get_by_label("验证器 App 上的验证码").fill(current_code(device))
    page.get_by_role("button", name="验证").click()
    # … and runs, confirms and publishes the quarter
    expect(page).to_have_url("/admin/scoring/quarter/")
    admin_action(page, quarter, "run")
    expect(page.locator("body")).to_contain_text(str(quarter))
    assert ScoreCard.objects.filter(quarter=quarter).count() == 2
    admin_action(page, quarter, "confirm")
    admin_action(page, quarter, "publish")
    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.PUBLISHED

    # …and reads the quarter dashboard (distribution and averages drawn as inline SVG)
    page.goto(f"/admin/scoring/scorecard/dashboard/?quarter={quarter.pk}")
    expect(page.get_by_test_id("dashboard-figures")).to_contain_text("2")
    expect(page.locator("svg.qd-chart").first).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "scores-dashboard.png"), full_page=True)

    # Then the public board shows the results, names masked
    page.goto("/notices/")
    page.get_by_role("link", name=f"{quarter}").first.click()
    body = page.locator(".notice-table")  # the results as a table (names as the board shows them)
    expect(body).to_contain_text("张*")
    expect(body).to_contain_text("欧阳**")
    expect(body).not_to_contain_text("张三")
    page.screenshot(path=str(SCREENSHOTS / "scores-board.png"), full_page=True)

    # And the resident reads its card on a phone, with the rule behind each band
    log_in(phone, "zhangsan", "/portal/scores/cards/")
    expect(phone.locator("h1")).to_have_text("我的季度考核")
    expect(phone.locator("svg polyline, svg circle").first).to_be_visible()
    phone.screenshot(path=str(SCREENSHOTS / "scores-list-375.png"), full_page=True)
    phone.get_by_role("link", name=str(quarter)).first.click()
    expect(phone.locator(".score-table")).to_contain_text("项目完成度 60%：60% 至低于 80% 得 15 分（第六章第一条）")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.screenshot(path=str(SCREENSHOTS / "scores-card-375.png"), full_page=True)

    # …and appeals within the window
    phone.get_by_label("申诉理由").fill("第四个里程碑已于 9 月 28 日完成，进度报告附后。")
    phone.get_by_role("button", name="提交申诉").click()
    expect(phone.locator("body")).to_contain_text("您的申诉已收到")
    appeal = ScoreAppeal.objects.get()
    assert (appeal.resident, appeal.status) == (zhang, "pending")
