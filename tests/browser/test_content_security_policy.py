"""The Content-Security-Policy in a real browser: the portal home, the notice board, the admin home and
the API documentation load, work, and Chromium reports no violation (no inline script, nothing from
elsewhere)."""

import pytest
from playwright.sync_api import Page, expect

from opc_community.accounts.roles import Role
from tests.factories import TEST_PASSWORD, UserFactory
from tests.logins import authenticator, current_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

#: Chromium logs a refused script, style or image as a console error naming the policy; the
#: ``securitypolicyviolation`` event is logged the same way so that nothing slips through.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`);
});
"""


def watch(page: Page) -> list[str]:
    """The CSP violations ``page`` reports from now on."""
    violations: list[str] = []
    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    return violations


def log_in(page: Page, url: str, username: str) -> None:
    page.goto(url)
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.locator("#id_password").press("Enter")


def test_the_portal_home_and_the_notice_board_run_under_the_policy(page):
    UserFactory(username="zhangsan", full_name="张三", roles=[Role.RESIDENT])
    violations = watch(page)

    response = page.goto("/notices/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator("h1")).to_be_visible()

    log_in(page, "/portal/login/", "zhangsan")
    expect(page.locator("h1")).to_have_text("您好，张三")
    assert page.evaluate("() => Boolean(document.querySelector('script[src$=\"site.js\"]'))")

    assert violations == []


def test_the_admin_home_and_the_api_documentation_run_under_the_policy(page):
    lead = UserFactory(username="lead", full_name="赵主管", is_staff=True, roles=[Role.ADMINISTRATOR])
    device = authenticator(lead)
    violations = watch(page)

    log_in(page, "/admin/login/", "lead")
    page.get_by_label("验证器 App 上的验证码").fill(current_code(device))  # the second factor's page too
    page.get_by_role("button", name="验证").click()
    expect(page.locator("#user-tools")).to_contain_text("欢迎")
    page.goto("/admin/")
    expect(page.locator("#content")).to_be_visible()

    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("OPC Community API")  # the UI ran

    assert violations == []
