"""How every file the site hands out must be served (opc_community.core.uploads): as an attachment,
under a generated safe name, never sniffed, never cached."""

from urllib.parse import quote


def assert_safe_download(response, name: str) -> None:
    """``response`` is an attachment called ``name`` (RFC 5987 ``filename*`` when it is not ASCII)."""
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=\"")
    if name.isascii():
        assert disposition == f'attachment; filename="{name}"'
    else:
        assert disposition.endswith(f"; filename*=UTF-8''{quote(name, safe='')}")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
