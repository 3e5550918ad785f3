"""Every portal page a resident opens, on a 390×844 phone in Chinese (UI.md "Checks that catch
what people notice"): no sideways scrolling, no text squeezed to fewer than four characters a line, no English
fragments, navigation tap targets of at least 44 px. The run writes the main pages' screenshots to
docs/screenshots/ (portal-*.png, linked from the README).

One browser, one login: the pages are every GET URL pattern of the portal without arguments, plus the first
link found to each pattern with arguments (one detail page per kind, not every row). The resident is built like
the demo's ``ouyang`` — checked in, an overdue fee, future fees, a booking and a no-show — from the factories
(the whole demo takes minutes to seed); the demo residents' own walk is in docs/residents.md.
"""

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils import timezone

from opc_community.accounts.roles import Role
from residents.models import Invoice
from spaces.models import BookingStatus
from tests.factories import TEST_PASSWORD, UserFactory
from tests.residents.factories import AgreementFactory, ResidentFactory, acknowledge_rules
from tests.spaces.factories import BookingFactory, RoomFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
#: The pages shown in the README, as the demo resident sees them.
MAIN_PAGES = {
    "/portal/": "portal-home",
    "/portal/residents/fees/": "portal-fees",
    "/portal/residents/agreements/": "portal-agreement",
    "/portal/spaces/bookings/": "portal-bookings",
    "/portal/scores/cards/": "portal-scores",
}
#: Apps whose resident pages live under /portal/.
PORTAL_NAMESPACES = {"portal", "residents", "spaces", "resources", "scoring", "discipline"}
#: Not a page for a resident to read: leaving, signing up or in, staff-only tools, files and feeds.
SKIPPED = re.compile(
    r"logout|login|signup|two-factor|password/done|mark-all-read|/staff/|\.pdf$|/pdf/$|\.ics$|booking\.ics|"
    r"/photos/|/attachment/|/files/|/evidence/|/material/|/documents/|/calendar/reset/|/spaces/rounds/|/safety/round/"
)
#: English a Chinese screen must never show (proper names such as "English" on the language switch aside).
ENGLISH = re.compile(
    r"\b(None|True|False|Checked in by|EVENTS|Status|Submit|Delete|Save|Cancel|Back to)\b"
)
#: Text elements narrower than four characters of their own font, and taller than two lines of it.
NARROW_TEXT = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent.trim();
    if ([...text].length < 4) continue;
    const element = walker.currentNode.parentElement;
    const box = element.getBoundingClientRect();
    const em = parseFloat(getComputedStyle(element).fontSize);
    if (box.width > 0 && box.width < 4 * em && box.height > 2.5 * em) found.push(text.slice(0, 12));
  }
  return found;
}"""
#: The navigation's tap targets (header, main navigation, the dashboard's menu) smaller than 44 × 44 px.
SMALL_TARGETS = """() => [...document.querySelectorAll(
    '.site-header a, .site-header button, .site-nav a, .link-grid a, .sub-nav a, .card__footer a')]
  .filter(element => element.offsetParent !== null)
  .map(element => [element.textContent.trim().slice(0, 10), element.getBoundingClientRect()])
  .filter(([, box]) => box.height < 44 || box.width < 44)
  .map(([text, box]) => `${text} ${Math.round(box.width)}×${Math.round(box.height)}`)"""


def _routes(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(
                pattern.url_patterns, prefix + str(pattern.pattern), pattern.namespace or namespace
            )
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), namespace


def portal_pages_without_arguments() -> list[str]:
    """Every /portal/ URL pattern that takes no argument (the resident's pages to open first)."""
    return [
        f"/{route}"
        for route, namespace in _routes(get_resolver().url_patterns)
        if route.startswith("portal/")
        and namespace in PORTAL_NAMESPACES
        and "<" not in route
        and "(" not in route
        and not SKIPPED.search(f"/{route}")
    ]


def _url_name(path: str) -> str | None:
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


def a_resident_like_ouyang() -> None:
    """Checked in, rules acknowledged, an agreement, a fee 11 days overdue and the next ones to come, a booking
    tomorrow and a no-show last week."""
    user = UserFactory(username="ouyang", full_name="欧阳娜娜", roles=[Role.RESIDENT])
    resident = ResidentFactory(user=user, name="广州市南沙区欧阳视觉设计工作室")
    acknowledge_rules(resident)
    agreement = AgreementFactory(resident=resident)
    today = timezone.localdate()
    for month in range(3):
        due = today - timedelta(days=11) + timedelta(days=30 * month)
        Invoice.objects.create(
            resident=resident,
            agreement=agreement,
            number=f"INV-DEMO-{month}",
            kind="fee",
            description=f"第 {month + 1} 期服务费",
            amount="600.00",
            issued_on=today - timedelta(days=20),
            due_on=due,
        )
    room = RoomFactory(code="301")
    tomorrow = timezone.now().replace(hour=2, minute=0, second=0, microsecond=0) + timedelta(days=1)
    BookingFactory(
        resident=resident, room=room, starts_at=tomorrow, ends_at=tomorrow + timedelta(hours=1)
    )
    BookingFactory(
        resident=resident,
        room=room,
        starts_at=tomorrow - timedelta(days=7),
        ends_at=tomorrow - timedelta(days=7, hours=-1),
        status=BookingStatus.RELEASED,
    )


def test_every_portal_page_fits_a_phone_in_chinese(browser, live_server):
    a_resident_like_ouyang()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        base_url=live_server.url,
        viewport=PHONE,
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto("/portal/login/")
    page.get_by_label("用户名").fill("ouyang")
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/portal/")

    queue = portal_pages_without_arguments()
    seen_paths: set[str] = set()
    seen_names = {_url_name(path) for path in queue}
    problems: list[str] = []
    while queue:
        path = queue.pop(0)
        if path in seen_paths:
            continue
        seen_paths.add(path)
        if page.request.get(path, max_redirects=0).status == 405:  # a POST-only URL: not a page
            continue
        response = page.goto(path)
        status = response.status if response else 0
        if status >= 400:
            problems.append(f"{path}: HTTP {status}")
            continue
        if page.evaluate("document.documentElement.scrollWidth") > PHONE["width"]:
            problems.append(f"{path}: scrolls sideways")
        problems.extend(
            f"{path}: English “{word}”" for word in set(ENGLISH.findall(page.inner_text("body")))
        )
        problems.extend(f"{path}: squeezed text “{text}”" for text in page.evaluate(NARROW_TEXT))
        problems.extend(
            f"{path}: small tap target {target}" for target in page.evaluate(SMALL_TARGETS)
        )
        if path in MAIN_PAGES:
            page.screenshot(path=str(SCREENSHOTS / f"{MAIN_PAGES[path]}.png"), full_page=True)
        # One page of each kind reached by a link (a detail page): the first link to a pattern not seen yet.
        for href in page.eval_on_selector_all(
            "main a[href]", "links => links.map(link => link.href)"
        ):
            link = urlparse(href)
            if link.netloc != urlparse(live_server.url).netloc or not link.path.startswith(
                "/portal/"
            ):
                continue
            name = _url_name(link.path)
            if name and name not in seen_names and not SKIPPED.search(link.path):
                seen_names.add(name)
                queue.append(link.path)
    context.close()

    assert len(seen_paths) > 30, seen_paths  # every kind of page, not just the dashboard
    assert not problems, "\n".join(problems)
