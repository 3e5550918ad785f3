"""What the browser journeys share: signing in through the portal's form, the phone-width check, and where
screenshots go (``BROWSER_SCREENSHOTS``, default /tmp)."""

import os
from pathlib import Path

from playwright.sync_api import Page

from tests.factories import TEST_PASSWORD

SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", "/tmp"))


def log_in(page: Page, username: str, next_url: str) -> None:
    """Sign in as ``username`` (the factories' password) and land on ``next_url``."""
    page.goto(f"/portal/login/?next={next_url}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()


def fits_the_phone(page: Page) -> bool:
    """Nothing wider than the 375-pixel phone viewport (no sideways scrolling)."""
    return bool(page.evaluate("document.documentElement.scrollWidth") <= 375)
