"""The decision ledger's hash chain, pure (see ``discipline.services.ledger``): canonical JSON of a
decision's content and the hash of a row over the previous row's hash and its envelope."""

import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

#: The previous hash of the first row.
GENESIS = "0" * 64


# --- Canonical content and the hash ------------------------------------------------------------------


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not canonical JSON: {type(value).__name__}")


def _no_floats(value: Any) -> None:
    if isinstance(value, float):
        raise TypeError("floats are not allowed in ledger content (use Decimal)")
    if isinstance(value, dict):
        for item in value.values():
            _no_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _no_floats(item)


def canonical(value: Any) -> str:
    """Canonical JSON: sorted keys, compact, UTF-8 text kept (ensure_ascii False), Decimal/date as str."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_default)


def normalise(content: dict[str, Any]) -> dict[str, Any]:
    """The content as it will read back from the JSON column (Decimal and dates already strings)."""
    _no_floats(content)
    return json.loads(canonical(content))


def entry_hash(*, previous_hash: str, sequence: int, kind: str, object_id: int, recorded_at: datetime,
               content: dict[str, Any]) -> str:
    envelope = {
        "sequence": sequence,
        "kind": kind,
        "object_id": object_id,
        "recorded_at": recorded_at.astimezone(UTC).isoformat(),
        "content": content,
    }
    return hashlib.sha256((previous_hash + canonical(envelope)).encode("utf-8")).hexdigest()
