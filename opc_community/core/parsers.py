"""Request body parsers of the API (``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``).

Kept apart from ``core.api``: DRF imports parser classes while it defines its views, so this
module may not import anything that needs them.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers

#: How deeply a JSON request body may nest objects and arrays (ours nest two or three levels).
MAX_JSON_DEPTH = 32


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with a Chinese message, refusing bodies nested deeper than MAX_JSON_DEPTH
    (a thousand nested arrays would otherwise exhaust the recursion limit: a 500)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        too_deep = exceptions.ParseError(
            _("The request body nests deeper than %(limit)s levels.") % {"limit": MAX_JSON_DEPTH}
        )
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        except exceptions.ParseError as error:
            raise exceptions.ParseError(_("The request body is not valid JSON (%(error)s).") % {"error": error.detail}) from None
        if _nesting_depth(data, limit=MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
            raise too_deep
        return data


def _nesting_depth(data: Any, *, limit: int) -> int:
    """How deeply ``data`` nests lists and dicts (a scalar: 0), counted without recursion up to ``limit + 1``."""
    deepest, pending = 0, [(data, 1)]
    while pending and deepest <= limit:
        value, depth = pending.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is not None:
            deepest = max(deepest, depth)
            pending.extend((child, depth + 1) for child in children)
    return deepest
