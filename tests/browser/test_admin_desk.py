"""The work desk (运营工作台) in a real browser, as the administrator on a desktop (1366×900): today's counts,
the late ones red, in Chinese, nothing wider than the screen; the screenshot goes to docs/screenshots/ (README)."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from opc_community.accounts.roles import Role
from residents.models import ResidentStatus
from tests.factories import TEST_PASSWORD, UserFactory
from tests.logins import authenticator, current_code
from tests.residents.factories import ApplicationFactory, ResidentFactory
from tests.spaces.factories import VisitorFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "admin-desk.png"
DESKTOP = {"width": 1366, "height": 900}


def test_the_administrator_opens_the_day_on_the_work_desk(page: Page):
    lead = UserFactory(
        username="lead", full_name="孙负责", is_staff=True, roles=[Role.ADMINISTRATOR]
    )
    device = authenticator(lead)
    now = timezone.now()
    ApplicationFactory(review_due_at=now - timedelta(days=1))  # overdue: red
    ApplicationFactory(review_due_at=now - timedelta(days=2))
    host = ResidentFactory()
    VisitorFactory(host=host, expected_at=now + timedelta(minutes=30))
    ResidentFactory(status=ResidentStatus.ONBOARDING, checked_in_at=None)

    page.set_viewport_size(DESKTOP)
    page.goto("/admin/login/")
    page.locator("#id_username").fill("lead")
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.locator("#id_password").press("Enter")
    page.get_by_label("验证器 App 上的验证码").fill(current_code(device))
    page.get_by_role("button", name="验证").click()
    page.goto("/admin/")

    desk = page.locator(".opc-desk")
    expect(desk.get_by_role("heading")).to_have_text("今日待办")
    reviews = desk.locator('[data-desk-item="residents.reviews"]')
    expect(reviews).to_have_class("opc-desk__item opc-desk__item--late")
    expect(reviews).to_contain_text("2")
    expect(reviews).to_contain_text("已逾期")
    assert "opc-desk__item--late" not in (
        desk.locator('[data-desk-item="residents.check_ins"]').get_attribute("class") or ""
    )
    text = desk.inner_text()
    assert not any(word.isascii() and word.isalpha() and len(word) > 2 for word in text.split()), (
        text
    )
    expect(page.locator("#content-main .module caption").first).to_have_text("入驻与协议")
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=False)
