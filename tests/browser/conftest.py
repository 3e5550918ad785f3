"""Browser tests: a real headless Chromium driven by Playwright against pytest-django's live_server.

Use the ``page`` fixture (desktop, 1280×800) or ``phone`` (375×812, zh-CN, touch),
mark the test ``@pytest.mark.browser`` and ``@pytest.mark.django_db(transaction=True,
serialized_rollback=True)``: the live server reads the database from another
thread, so the test's data must be committed, and the serialized rollback puts
back the role groups (created by a data migration) that the flush removes.

Everything here is scoped to the browser tests themselves: Chromium and
Playwright's event loop live for one test, and so does DJANGO_ALLOW_ASYNC_UNSAFE,
so that no other test of the session runs with Django's async-safety check off
(a process-wide setting would also leak into subprocesses such as ``check --deploy``).
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pgtrigger
import pytest
from django.db import connections
from django.db.backends.base.creation import BaseDatabaseCreation
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from pytest_django.live_server_helper import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module", autouse=True)
def _restore_snapshot_without_triggers() -> Iterator[None]:
    """Let ``serialized_rollback`` restore audited tables.

    Django restores the snapshot with ``save()``, which first tries an UPDATE:
    the append-only trigger of every audit-event table refuses it, and the
    tracking triggers would write new events for restored rows. The snapshot
    already holds the events, so it is loaded with the project's triggers off
    (pgtrigger.ignore, this thread only). Module scope: in place before the
    function-scoped database fixture restores the snapshot. Should move to
    tests/conftest.py once other transactional tests restore snapshots too.
    """
    original = BaseDatabaseCreation.deserialize_db_from_string

    def deserialize_db_from_string(self: BaseDatabaseCreation, data: str) -> None:
        with pgtrigger.ignore():
            original(self, data)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            BaseDatabaseCreation, "deserialize_db_from_string", deserialize_db_from_string
        )
        yield


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    """A headless Chromium (the system binary, nothing downloaded) for one test."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")

    # Playwright's sync API runs an asyncio event loop in this thread; Django would
    # otherwise refuse the test's own ORM calls (creating users, checking rows).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
        # While Playwright's loop runs, asgiref hands the test's ORM calls a database
        # connection of their own; close it here, or the test database cannot be dropped.
        connections.close_all()


def _page(
    browser: Browser, live_server: LiveServer, **context_options: Any
) -> tuple[BrowserContext, Page]:
    context = browser.new_context(base_url=live_server.url, **context_options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    return context, page


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A desktop page whose relative URLs ("/portal/") go to the live server."""
    context, page = _page(browser, live_server, viewport=DESKTOP, locale="zh-CN")
    yield page
    context.close()


@pytest.fixture
def phone(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A phone-sized page (375×812, zh-CN, touch), as most residents see the portal (UI.md)."""
    context, page = _page(
        browser,
        live_server,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    yield page
    context.close()
