"""Forms recorded once carry a one-time token made when their page is rendered
(``opc_community.core.idempotency.SubmitOnceForm``): a test opens the page and sends the token
back, as a browser does."""

import re

from django.test import Client

_TOKEN = re.compile(r'<input type="hidden" name="form_token" value="([^"]+)"')


def form_token(client: Client, url: str) -> str:
    """The token of the form on the page at ``url`` (a new one each time the page is opened)."""
    match = _TOKEN.search(client.get(url).content.decode())
    assert match, f"no one-time token on {url}"
    return match.group(1)
