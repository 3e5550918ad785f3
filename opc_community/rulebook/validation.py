"""Validation of a rulebook body with messages a staff member can act on."""

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from pydantic import ValidationError

from opc_community.core.errors import DomainError
from opc_community.rulebook.schema import Rulebook


def _location(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or _("(whole body)")


def _message(error: dict[str, Any]) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    messages = {
        "missing": _("this item is required"),
        "extra_forbidden": _("this item is not part of the rulebook"),
        "greater_than": _("must be greater than %(limit)s") % {"limit": ctx.get("gt")},
        "greater_than_equal": _("must be at least %(limit)s") % {"limit": ctx.get("ge")},
        "less_than_equal": _("must be at most %(limit)s") % {"limit": ctx.get("le")},
        "literal_error": _("must be one of %(choices)s") % {"choices": ctx.get("expected")},
        "too_short": _("needs at least %(count)s entries") % {"count": ctx.get("min_length")},
    }
    if kind in messages:
        return messages[kind]
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return _("invalid value (%(detail)s)") % {"detail": error["msg"]}


SEED = Path(__file__).resolve().parent / "seed" / "v1.json"


@cache
def _seed() -> dict[str, Any]:
    return json.loads(SEED.read_text(encoding="utf-8"))


def _fill(body: Any, seed: Any) -> Any:
    if not (isinstance(body, dict) and isinstance(seed, dict)):
        return body
    return {**{k: v for k, v in seed.items() if k not in body}, **{k: _fill(v, seed.get(k)) for k, v in body.items()}}


def with_later_rules(body: Any) -> Any:
    """``body`` with every rule it lacks taken from the seed (第九章第一条).

    A rule added to the rulebook after a version was adopted reads, in that version, the value it
    was introduced with: adopted bodies are never rewritten (database trigger), so a deployment
    that adopted its versions before the rule existed keeps parsing them. Only missing keys are
    filled; nothing a version states is changed.
    """
    return _fill(body, _seed())


def parse_body(body: Any, *, version: int = 0, effective_from: Any = None, as_stored: bool = False) -> Rulebook:
    """Parse a version's body, or raise a DomainError on field ``body`` listing every problem by path."""
    try:
        return Rulebook.load(body, version=version, effective_from=effective_from, as_stored=as_stored)
    except ValidationError as exc:
        problems = "; ".join(f"{_location(e['loc'])}: {_message(e)}" for e in exc.errors())
        raise DomainError(
            _("The rule data is not valid: %(problems)s") % {"problems": problems}, field="body"
        ) from exc
