"""The tamper-evident decision ledger: every confirmed penalty, reward and appeal decision.

Each row's ``entry_hash`` is ``sha256(previous_hash + canonical(envelope))`` where the envelope is the
row's sequence, kind, decision id, recorded time and the decision's content, serialised canonically
(sorted keys, no insignificant whitespace, ``ensure_ascii=False``, Decimal and dates as strings). The
first row's previous hash is 64 zeros. So editing any row — or removing one, which leaves a gap in the
sequence — breaks the chain at that row, and :func:`ledger_verify` names it.

Rows are also append-only in the database (triggers refuse UPDATE and DELETE); the chain is what still
shows tampering by someone who can switch the triggers off.

Appends are serialised by a transaction-scoped advisory lock, so the sequence is gapless and two
decisions appended at once never share a previous hash. The append happens inside the decision's
transaction: a decision that rolls back leaves no row (and, since the lock is held to commit, no gap).

When: a penalty on confirmation (``cases.case_confirm``), an appeal when answered
(``appeals.appeal_decide``), a reward when decided (the rewards service calls :func:`ledger_append`).
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from discipline.models import DecisionLedgerEntry, LedgerKind

GENESIS = "0" * 64
_LOCK_KEY = "discipline.decision_ledger"


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


@transaction.atomic
def ledger_append(*, kind: str, object_id: int, content: dict[str, Any]) -> DecisionLedgerEntry:
    """Append one decision to the chain (inside the caller's transaction) and return the row."""
    if kind not in LedgerKind.values:
        raise ValueError(f"unknown ledger kind {kind!r}")
    content = normalise(content)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [_LOCK_KEY])
    last = DecisionLedgerEntry.objects.order_by("-sequence").values("sequence", "entry_hash").first()
    sequence = (last["sequence"] + 1) if last else 1
    previous = last["entry_hash"] if last else GENESIS
    # Microseconds kept: PostgreSQL stores them, so the hash is recomputed from the same instant.
    recorded_at = timezone.now()
    return DecisionLedgerEntry.objects.create(
        sequence=sequence,
        kind=kind,
        object_id=object_id,
        content=content,
        previous_hash=previous,
        entry_hash=entry_hash(previous_hash=previous, sequence=sequence, kind=kind, object_id=object_id,
                              recorded_at=recorded_at, content=content),
        recorded_at=recorded_at,
    )


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    first_broken_sequence: int | None = None
    reason: str = ""
    entries: int = 0

    def __bool__(self) -> bool:
        return self.ok


def ledger_verify() -> VerifyResult:
    """Walk the chain in sequence order; return the first broken link (streamed, constant memory)."""
    expected_sequence = 1
    previous = GENESIS
    count = 0
    rows = DecisionLedgerEntry.objects.order_by("sequence").values_list(
        "sequence", "kind", "object_id", "content", "previous_hash", "entry_hash", "recorded_at"
    )
    for sequence, kind, object_id, content, previous_hash, stored_hash, recorded_at in rows.iterator(chunk_size=2000):
        count += 1
        if sequence != expected_sequence:
            return VerifyResult(False, expected_sequence,
                                _("Entry #%(sequence)d is missing (the sequence jumps to #%(found)d).")
                                % {"sequence": expected_sequence, "found": sequence}, count)
        if previous_hash != previous:
            return VerifyResult(False, sequence,
                                _("Entry #%(sequence)d does not point at the hash of the entry before it.")
                                % {"sequence": sequence}, count)
        computed = entry_hash(previous_hash=previous_hash, sequence=sequence, kind=kind, object_id=object_id,
                              recorded_at=recorded_at, content=content)
        if computed != stored_hash:
            return VerifyResult(False, sequence,
                                _("Entry #%(sequence)d was changed: its content does not match its hash.")
                                % {"sequence": sequence}, count)
        previous = stored_hash
        expected_sequence += 1
    return VerifyResult(True, None, _("The chain of %(count)d entries is intact.") % {"count": count}, count)
