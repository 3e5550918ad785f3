"""Races with real parallel PostgreSQL connections (threads, committed data).

A test module marks itself ``pytestmark = committed_data``, imports ``restore_snapshot_without_triggers``
(so the autouse fixture is active there) and runs its racing calls with ``run_in_parallel``.
"""

import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pgtrigger
import pytest
from django.db import connection
from django.db.backends.base.creation import BaseDatabaseCreation

# Committed data (other connections must see it); the snapshot puts back the migrations' data
# (rulebook, role groups) that the flush after each test removes.
committed_data = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(scope="module", autouse=True)
def restore_snapshot_without_triggers() -> Iterator[None]:
    """Restore the snapshot with the project's triggers off (audit tables are append-only), as in
    tests/browser/conftest.py. Module scope: in place before the database fixture restores it."""
    original = BaseDatabaseCreation.deserialize_db_from_string

    def deserialize_db_from_string(self: BaseDatabaseCreation, data: str) -> None:
        with pgtrigger.ignore():
            original(self, data)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseDatabaseCreation, "deserialize_db_from_string", deserialize_db_from_string)
        yield


def run_in_parallel(calls: Sequence[Callable[[], Any]], *, timeout: float = 60) -> list[Any]:
    """Run each call in its own thread and database connection, released together by a barrier;
    return each call's result or the exception it raised, in order."""
    results: list[Any] = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def worker(index: int, call: Callable[[], Any]) -> None:
        try:
            start.wait()
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - handed back to the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a worker thread hung"
    return results
