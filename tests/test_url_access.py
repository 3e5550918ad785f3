"""Every URL pattern of the project, requested anonymously, is refused — except the public allow-list.

The walk covers every pattern Django knows (admin, portal, notice board, API, schema),
so a new page cannot be added without either protecting it or adding it here on purpose.
"""

import re
from re import _parser as sre_parse  # the standard library's regex parser
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve

#: URL names reachable without login, and why.
PUBLIC = {
    "notices:list": "public notice board (RULEBOOK §10)",
    "notices:detail": "public notice board",
    "notices:feed": "Atom feed of the notice board",
    "notices:service_quality": "public service-quality figures (服务公示, 第四章第四条 2): shares and counts, no person",
    "rulebook:regulation": "the regulation's text in force, public like the board (第九章第一条)",
    "rulebook:revision": "a revision's changed articles side by side, public like the board (第九章第一条)",
    "notice-list": "API: the notice board, public like its pages",
    "notice-detail": "API: the notice board, public like its pages",
    "service-quality-list": "API: the public service-quality figures, like their page",
    "portal:login": "login",
    "residents:signup": "applicants create their account before applying (第三章第二条)",
    "residents:signup_sent": "what every sign-up is told (check your mailbox)",
    "residents:signup_activate": "the emailed activation link is the key (invalid → says so, activates nothing)",
    "api-token": "API: integrations exchange a password (and two-factor code) for a token",
    "spaces:calendar_feed_ics": "calendar apps cannot log in: the secret token in the path is the key (unknown → 404)",
    "admin:login": "staff login",
    "admin:logout": "logging out nobody changes nothing (POST only)",
    "portal:logout": "logging out nobody changes nothing (POST only)",
    "set_language": "language switch",
    "healthz": "health check for the orchestrator and monitoring: states and ages, no data",
    None: "the site root only redirects to the portal (which asks for a login)",
}
PUBLIC_UNNAMED_PATHS = {"/"}

REFUSED = {401, 403}


def _sample(parsed: Any) -> str:
    """A string the parsed regex matches (shortest reasonable choice at each node)."""
    out = []
    for op, arg in parsed:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "NOT_LITERAL":
            out.append("a" if chr(arg) != "a" else "b")
        elif name == "ANY":
            out.append("a")
        elif name == "IN":
            first_op, first_arg = arg[0]
            if str(first_op) == "NEGATE":
                out.append("a")
            elif str(first_op) == "RANGE":
                out.append(chr(first_arg[0]))
            elif str(first_op) == "LITERAL":
                out.append(chr(first_arg))
            else:  # CATEGORY (\d, \w…)
                out.append("1" if "DIGIT" in str(first_arg) else "a")
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _high, sub = arg
            out.append(_sample(sub) * max(low, 1) if low else "")
        elif name == "SUBPATTERN":
            _group, _add, _del, sub = arg
            out.append(_sample(sub) or _sample_required(sub))
        elif name == "BRANCH":
            out.append(_sample(arg[1][0]))
        elif name in ("AT", "GROUPREF", "ASSERT", "ASSERT_NOT"):
            continue
        else:  # pragma: no cover - would need a new case above
            raise AssertionError(f"unsupported regex node {name}")
    return "".join(out)


def _sample_required(parsed: Any) -> str:
    """For groups whose shortest match is empty (``(?P<url>.*)``): give them one character."""
    return "a"


def _walk(patterns: list, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        regex = pattern.pattern.regex.pattern.lstrip("^")
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + regex, ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else None
            yield name, prefix + regex


def _concrete(regex: str) -> str:
    regex = regex.replace("\\Z", "").replace("$", "")
    return "/" + _sample(sre_parse.parse(regex))


def all_urls() -> list[tuple[str | None, str]]:
    return [(name, _concrete(regex)) for name, regex in _walk(get_resolver().url_patterns)]


def test_the_walk_finds_every_kind_of_page():
    names = {name for name, _ in all_urls()}
    assert {"admin:index", "portal:dashboard", "notices:list", "api-schema"} <= names
    assert len(names) > 50


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "path"), all_urls(), ids=lambda value: str(value))
def test_anonymous_users_are_refused_outside_the_allow_list(client, name, path):
    match = resolve(path)  # the sample path really belongs to this pattern
    assert match is not None
    if name in PUBLIC or path in PUBLIC_UNNAMED_PATHS:
        response = client.get(path)
        assert response.status_code < 500, f"public page {path} fails"
        return
    response = client.get(path)
    if response.status_code == 405:  # POST-only views: try the method they accept
        response = client.post(path)
    if response.status_code in (301, 302):
        location = response.headers["Location"]
        assert re.search(r"/(portal|admin)/login/", location), f"{name} {path} redirects to {location}"
    else:
        assert response.status_code in REFUSED, f"{name} {path} answered {response.status_code} to an anonymous user"
