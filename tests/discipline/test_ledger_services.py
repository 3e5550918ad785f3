"""The tamper-evident decision ledger: a gapless hash chain that verifies, and points at the first
broken link when a row is edited or removed behind the triggers' back.

These entries describe no real decision (the chain's mechanics only), so the verification's comparison
with the live decisions reports each of them; the tests read the chain's breaks. Tampering with real
decisions, checkpoints and the command: test_ledger_tampering.py."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from discipline.models import DecisionLedgerEntry
from discipline.rules.ledger import GENESIS, canonical
from discipline.services.ledger import Break, ledger_append, ledger_verify

pytestmark = pytest.mark.django_db


def _chain_breaks() -> list[Break]:
    return [found for found in ledger_verify().breaks if found.key.startswith("chain:")]


def _append(n: int) -> list[DecisionLedgerEntry]:
    return [
        ledger_append(kind="penalty", object_id=i, content={"case": f"违〔2026〕{i:04d}号", "amount": Decimal("100.50"),
                                                             "measures": [{"type": "fine"}]})
        for i in range(1, n + 1)
    ]


def test_canonical_json_is_sorted_compact_and_keeps_chinese():
    assert canonical({"b": Decimal("1.50"), "a": "警告"}) == '{"a":"警告","b":"1.50"}'


def test_floats_are_refused():
    with pytest.raises(TypeError):
        ledger_append(kind="penalty", object_id=1, content={"amount": 1.5})


def test_the_chain_links_each_entry_to_the_previous_one():
    entries = _append(3)
    assert [e.sequence for e in entries] == [1, 2, 3]
    assert entries[0].previous_hash == GENESIS
    assert entries[1].previous_hash == entries[0].entry_hash
    assert entries[2].content["amount"] == "100.50"
    assert ledger_verify().entries == 3 and _chain_breaks() == []


def test_an_empty_ledger_verifies():
    assert ledger_verify().ok


def test_the_database_refuses_edits_and_deletes():
    entry = _append(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        DecisionLedgerEntry.objects.filter(pk=entry.pk).update(content={"case": "x"})
    with pytest.raises(DatabaseError), transaction.atomic():
        DecisionLedgerEntry.objects.filter(pk=entry.pk).delete()


def _tamper(sql: str, params: list) -> None:
    """Edit behind the triggers' back, as a database owner could."""
    table = DecisionLedgerEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER ALL')
        cursor.execute(sql.format(table=table), params)
        cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER ALL')


def test_editing_a_row_is_detected_at_that_row():
    entries = _append(5)
    _tamper('UPDATE "{table}" SET content = %s WHERE sequence = 3', ['{"case": "违〔2026〕0003号", "amount": "1.00"}'])
    [broken] = _chain_breaks()
    assert broken.sequence == 3 and "第 3 条" in broken.message
    assert entries  # rows 1–2 are still fine


def test_recomputing_the_hash_of_an_edited_row_breaks_the_next_link():
    _append(4)
    _tamper('UPDATE "{table}" SET entry_hash = %s WHERE sequence = 2', ["f" * 64])
    assert [b.sequence for b in _chain_breaks()] == [2]  # its own hash no longer matches


def test_removing_a_row_is_detected_as_a_gap():
    _append(4)
    _tamper('DELETE FROM "{table}" WHERE sequence = 2', [])
    assert [b.sequence for b in _chain_breaks()] == [2]
