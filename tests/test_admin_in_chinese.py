"""Chinese screens show no English and no code names (UI.md "Checks that catch what people notice"): as the
administrator, in Chinese, every model's admin list and the change page of one row of each, with the demo
community loaded. What a person reads — text, and what a screen reader says (aria-label, title, alt,
placeholder, button values) — may hold no known English fragment ("EVENTS", "Checked in by:", "None",
English screen-reader headers) and no code name: a rule key (``booking.room_types…min_notice_minutes``,
``min_notice_minutes``), a bare violation-kind code ("2b" without its name)."""

import io
import re
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.test import Client

from opc_community.accounts.models import User
from tests.admin_walk import admin_pages
from tests.logins import login

pytestmark = pytest.mark.django_db

#: English people met on Chinese admin screens (2026-12 walk) and Django's own English that slips through.
KNOWN_ENGLISH = re.compile(
    r"\b(?:EVENTS|Events|Checked in by|None|Close|Yes|No|Unknown|True|False|Select|Search|Filter|Add|Change|Delete"
    r"|History|Home|Actions?|Save|results?|Previous|Next|Page|of|to|by|at|and|the)\b"
)
#: A rule key or any code name in snake_case or dotted path form.
CODE_NAME = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b|\b[a-z_]+(?:\.[a-z_]+){2,}\b")
#: A violation kind's code ("2b") not followed by its name.
BARE_KIND = re.compile(r"(?<![\w.-])\d{1,2}[a-z](?![\w.-])(?!\s*[\u4e00-\u9fff])")
#: Pages whose text is checked elsewhere or is a record shown as it is stored, and why.
NOT_WALKED = {
    "/admin/core/auditevent/": "the audit trail: rewritten in Chinese with its own test (tests/core)",
    "/admin/discipline/decisionledgerentry/": "a ledger entry's content is the hash-chained record, shown as hashed",
}
#: Still showing code names: each is a known gap, listed so that no other page regresses.
KNOWN_GAPS = {
    "/admin/portal/notification/": "the kind column shows the notification kind's code",
    "/admin/spaces/cleaninground/": "the cleaning areas by their rulebook keys",
    "/admin/resources/survey/": "the questionnaire's areas and questions as JSON",
    "/admin/residents/renewalrequest/": "an empty value reads None",
    "/admin/residents/mediation/": "an empty value reads None",
}
#: Attributes a screen reader or a tooltip reads out.
READ_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder"}
#: Elements whose content is no text on screen (or is data being edited: a draft revision's JSON).
SKIPPED = {"script", "style", "textarea", "code", "pre", "option"}


class VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self._skip += 1
        for name, value in attrs:
            if value and (
                name in READ_ATTRIBUTES or (name == "value" and ("type", "submit") in attrs)
            ):
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.parts


def problems(text: str) -> list[str]:
    found = [f"English {m!r}" for m in KNOWN_ENGLISH.findall(text)]
    found += [f"code name {m!r}" for m in CODE_NAME.findall(text)]
    found += [f"bare kind code {m!r}" for m in BARE_KIND.findall(text)]
    return found


def test_admin_pages_of_the_administrator_are_all_chinese():
    call_command("seed_demo", stdout=io.StringIO())
    user = User.objects.get(username="lead")
    client = login(Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="zh-hans"), user)
    usernames = set(
        User.objects.values_list("username", flat=True)
    )  # sign-in names are data, not code names
    failures, pages = [], 0
    for path in admin_pages(user):
        if path.startswith(tuple(NOT_WALKED) + tuple(KNOWN_GAPS)):
            continue
        response = client.get(path)
        if response.status_code in (403, 404):
            continue  # not readable (API tokens) or no change page (a report's model)
        if response.status_code != 200:
            failures.append(f"{path}: HTTP {response.status_code}")
            continue
        pages += 1
        for text in visible_text(response.content.decode()):
            if text not in usernames:
                failures += [f"{path}: {problem} in {text[:80]!r}" for problem in problems(text)]
    assert pages > 60
    assert not failures, "\n".join(failures)
