"""The decision ledger under concurrent appends: four connections appending at once keep the sequence
gapless and the chain intact (the advisory lock serialises them)."""

from functools import partial

from django.db import transaction

from discipline.models import DecisionLedgerEntry
from discipline.services.ledger import ledger_append, ledger_verify
from tests.concurrency import (  # noqa: F401 - the autouse fixture is imported to be active here
    committed_data,
    restore_snapshot_without_triggers,
    run_in_parallel,
)

pytestmark = committed_data


def test_concurrent_appends_stay_gapless_and_chained():
    def append_five(offset: int) -> None:
        for i in range(5):
            with transaction.atomic():
                ledger_append(kind="reward", object_id=offset * 100 + i, content={"n": offset * 100 + i})

    results = run_in_parallel([partial(append_five, k) for k in range(4)])

    assert not [r for r in results if isinstance(r, Exception)], results
    assert list(DecisionLedgerEntry.objects.values_list("sequence", flat=True)) == list(range(1, 21))
    # The entries describe no real reward (the live comparison reports those); the chain itself holds.
    assert not [found for found in ledger_verify().breaks if found.key.startswith("chain:")]
