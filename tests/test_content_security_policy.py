"""The Content-Security-Policy is sent on every kind of page, and no template needs an exception to it:
no inline ``<script>`` (without the request's nonce), no inline event handler, no ``javascript:`` URL.
(tests/browser/test_content_security_policy.py proves in Chromium that nothing is refused.)"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: A <script> element without src (an inline script) unless it carries the nonce or is JSON data.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I)
JAVASCRIPT_URL = re.compile(r"""=\s*["']\s*javascript:""", re.I)


def _templates() -> list[Path]:
    return sorted(
        path
        for top in ROOT.iterdir()
        if top.is_dir() and not top.name.startswith(".") and top.name != "tests"
        for path in top.rglob("*.html")
        if "templates" in path.relative_to(ROOT).parts
    )


def test_templates_are_found():
    assert any(path.as_posix().endswith("templates/base.html") for path in _templates())


@pytest.mark.parametrize("path", _templates(), ids=lambda path: path.relative_to(ROOT).as_posix())
def test_no_template_has_inline_script_or_event_handlers(path):
    text = path.read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(text), "move the script to a static file (or give it nonce=request.csp_nonce)"
    assert not INLINE_HANDLER.search(text), "use a data- attribute handled in static/js/site.js"
    assert not JAVASCRIPT_URL.search(text)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/notices/", "/portal/login/", "/admin/login/", "/api/docs/"])
def test_every_kind_of_page_sends_the_policy(client, client_for, outsider, url):
    reader = client_for(outsider) if url.startswith("/api/") else client  # the API documentation needs a login
    response = reader.get(url)
    assert response.status_code == 200
    directives = dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in response["Content-Security-Policy"].split(";")
    )
    assert directives["default-src"] == "'self'"
    assert directives["script-src"].split()[0] == "'self'" and "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"


@pytest.mark.django_db
def test_the_api_documentation_loads_its_set_up_script_as_a_file(client_for, outsider):
    client = client_for(outsider)
    page = client.get("/api/docs/").content.decode()
    assert not INLINE_SCRIPT.search(page)
    script = client.get("/api/docs/", {"script": ""})
    assert script["Content-Type"].startswith("application/javascript") and b"SwaggerUIBundle" in script.content
