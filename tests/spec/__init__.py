"""The conformance cases of the shared spec's conformance.json, vendored so that any clone can run them
(``test_vendored_copy`` keeps the copy equal to its source)."""

import json
from functools import cache
from pathlib import Path
from typing import Any

VENDORED = Path(__file__).with_name("conformance.json")


@cache
def conformance() -> dict[str, Any]:
    return json.loads(VENDORED.read_text(encoding="utf-8"))


def cases(section: str) -> list[dict[str, Any]]:
    return conformance()[section]


def case_id(case: dict[str, Any]) -> str:
    return str(case.get("name") or case.get("kind") or next(iter(case.values())))
