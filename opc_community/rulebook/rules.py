"""Pure helpers over rulebook bodies: what a revision changes."""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Change:
    path: str
    old: Any
    new: Any


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((f"[{i}]", v) for i, v in enumerate(value))
    else:
        return {prefix: value}
    flat: dict[str, Any] = {}
    for key, item in items:
        path = f"{prefix}{key}" if str(key).startswith("[") else f"{prefix}.{key}" if prefix else str(key)
        flat.update(_flatten(item, path))
    return flat


def diff_bodies(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every leaf value that a revision adds, removes or changes, by dotted path, in path order."""
    before, after = _flatten(old), _flatten(new)
    return [
        Change(path, before.get(path), after.get(path))
        for path in sorted(before.keys() | after.keys())
        if before.get(path) != after.get(path) or (path in before) != (path in after)
    ]
