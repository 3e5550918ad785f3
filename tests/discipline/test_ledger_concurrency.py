"""The decision ledger under concurrent appends: four connections appending at once keep the sequence
gapless and the chain intact (the advisory lock serialises them)."""

import threading
from collections.abc import Iterator

import pgtrigger
import pytest
from django.db import connection, transaction
from django.db.backends.base.creation import BaseDatabaseCreation

from discipline.models import DecisionLedgerEntry
from discipline.services.ledger import ledger_append, ledger_verify

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(scope="module", autouse=True)
def _restore_snapshot_without_triggers() -> Iterator[None]:
    """serialized_rollback restores the seeded rows (roles, rulebook) with the project's triggers off
    (audit tables are append-only); the arrangement of tests/browser/conftest.py."""
    original = BaseDatabaseCreation.deserialize_db_from_string

    def deserialize_db_from_string(self: BaseDatabaseCreation, data: str) -> None:
        with pgtrigger.ignore():
            original(self, data)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseDatabaseCreation, "deserialize_db_from_string", deserialize_db_from_string)
        yield


def test_concurrent_appends_stay_gapless_and_chained():
    errors: list[Exception] = []

    def worker(offset: int) -> None:
        try:
            for i in range(5):
                with transaction.atomic():
                    ledger_append(kind="reward", object_id=offset * 100 + i, content={"n": offset * 100 + i})
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert list(DecisionLedgerEntry.objects.values_list("sequence", flat=True)) == list(range(1, 21))
    assert ledger_verify().ok
