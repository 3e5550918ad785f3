"""A resident's journey through the portal shell on a phone, in a real browser."""


import pytest
from playwright.sync_api import expect

from opc_community.accounts.roles import Role
from opc_community.portal.services import notify
from tests.browser.support import SCREENSHOTS
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]



def test_resident_logs_in_reads_a_message_switches_language_and_logs_out(phone):
    # Given a resident with two unread messages
    resident = UserFactory(username="zhangsan", full_name="张三", roles=[Role.RESIDENT])
    notify(
        recipients=[resident],
        title="季度材料提交提醒",
        body="请于 2026年10月12日 前提交本季度经营材料。",
        email=False,
    )
    notify(
        recipients=[resident],
        title="会议室预约已确认",
        body="10月9日 14:00–15:00，A301 会议室。",
        email=False,
    )

    # When they open the portal, they are asked to log in (in Chinese)
    phone.goto("/portal/")
    expect(phone.locator("h1")).to_have_text("登录")
    phone.get_by_label("用户名").fill("zhangsan")
    phone.get_by_label("密码").fill(TEST_PASSWORD)
    phone.get_by_role("button", name="登录").click()

    # Then the dashboard greets them, in Chinese, with its cards and the unread badge
    expect(phone.locator("h1")).to_have_text("您好，张三")
    for title in ("我的协议", "近期期限", "本季度评分", "我的预约", "我的诉求", "未读消息"):
        expect(phone.get_by_role("heading", name=title)).to_be_visible()
    badge = phone.get_by_test_id("unread-badge")
    expect(badge).to_contain_text("2")
    assert (
        phone.evaluate("document.documentElement.scrollWidth") <= 375
    )  # nothing sticks out sideways
    phone.screenshot(path=str(SCREENSHOTS / "portal-dashboard-375.png"), full_page=True)

    # When they open the inbox and read a message
    nav = phone.get_by_role("navigation", name="主导航")
    nav.get_by_role("link", name="消息").click()
    expect(phone.locator("h1")).to_have_text("消息")
    phone.screenshot(path=str(SCREENSHOTS / "portal-inbox-375.png"), full_page=True)
    phone.get_by_role("link", name="季度材料提交提醒").click()
    expect(phone.locator("h1")).to_have_text("季度材料提交提醒")

    # Then the badge drops to one
    expect(badge).to_contain_text("1")

    # When they switch to English, the page is in English
    phone.get_by_role("button", name="English").click()
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.get_by_role("link", name="Back to messages")).to_be_visible()
    phone.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Home").click()
    expect(phone.get_by_role("heading", name="My agreement")).to_be_visible()
    phone.screenshot(path=str(SCREENSHOTS / "portal-dashboard-375-en.png"), full_page=True)

    # When they log out, they are back at the login page, logged out
    phone.get_by_role("button", name="Log out").click()
    expect(phone.locator("h1")).to_have_text("Log in")
    expect(phone.get_by_text("You have been logged out.")).to_be_visible()
    phone.goto("/portal/")
    expect(phone).to_have_url("/portal/login/?next=/portal/")
