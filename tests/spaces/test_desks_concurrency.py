"""Desk change approvals racing with real parallel database connections (threads, committed data).

Two staff members approve two residents' requests onto the same free desk at the same moment: exactly one
resident moves; the other approval is a clean conflict that rolls back the whole move (that resident keeps
its desk, its request stays open). The release is slowed down so that both transactions are really open
at once when they reach the desk.
"""

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pgtrigger
import pytest
from django.db import connection
from django.db.backends.base.creation import BaseDatabaseCreation

from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from spaces.models import DeskAssignment, DeskChangeRequest, RequestStatus
from spaces.selectors import desks as selectors
from spaces.services import desks as services
from tests.spaces.test_desks_support import desk, member, seat

# Committed data (other connections must see it); the snapshot puts back the migrations' data
# (rulebook, role groups) that the flush after each test removes.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(scope="module", autouse=True)
def _restore_snapshot_without_triggers() -> Iterator[None]:
    """Restore the snapshot with the project's triggers off (audit tables are append-only)."""
    original = BaseDatabaseCreation.deserialize_db_from_string

    def deserialize_db_from_string(self: BaseDatabaseCreation, data: str) -> None:
        with pgtrigger.ignore():
            original(self, data)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseDatabaseCreation, "deserialize_db_from_string", deserialize_db_from_string)
        yield


def run_in_parallel(*calls: Callable[[], Any]) -> list[Any]:
    """Each call in its own thread and database connection, started together; results or exceptions."""
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
        thread.join(timeout=60)
    return results


@pytest.fixture
def slow_release(monkeypatch):
    """Hold each approval's transaction open after the release, before the new desk is taken."""
    real = services.desk_release

    def slow(**kwargs: Any) -> Any:
        released = real(**kwargs)
        time.sleep(0.3)
        return released

    monkeypatch.setattr(services, "desk_release", slow)


@pytest.mark.parametrize("round_", range(3))
def test_two_staff_approving_onto_the_same_desk_get_one_move_and_one_clean_conflict(
    daily_staff, administrator, slow_release, round_
):
    first, second = member(name="张三"), member(name="李四")
    seat(first, "A-1", daily_staff)
    seat(second, "A-2", daily_staff)
    wanted = desk("D-1")
    requests = [
        services.desk_request_create(resident=resident, reason="想换到 D 区", preferred_desk=wanted,
                                     actor=resident.user)
        for resident in (first, second)
    ]

    results = run_in_parallel(*[
        (lambda change=change, staff=staff: services.desk_request_approve(request=change, desk=wanted, actor=staff))
        for change, staff in zip(requests, (daily_staff, administrator), strict=True)
    ])

    winners = [r for r in results if isinstance(r, DeskChangeRequest)]
    conflicts = [r for r in results if isinstance(r, ConflictError)]
    assert (len(winners), len(conflicts)) == (1, 1), results
    assert "工位 D-1 已分配给其他入驻主体" in str(conflicts[0].message)
    winner = winners[0].resident
    loser = first if winner.pk == second.pk else second
    assert selectors.current_desk_assignment(winner).desk == wanted
    assert selectors.current_desk_assignment(loser).desk.code in ("A-1", "A-2")  # kept: the release rolled back
    assert DeskAssignment.objects.filter(desk=wanted, ends_at__isnull=True).count() == 1
    assert DeskChangeRequest.objects.get(resident=loser).status == RequestStatus.REQUESTED


def test_two_staff_approving_the_same_request_at_once_move_the_resident_once(daily_staff, administrator,
                                                                          slow_release):
    resident = member(name="张三")
    seat(resident, "A-1", daily_staff)
    change = services.desk_request_create(resident=resident, reason="换位", actor=resident.user)
    targets = [desk("D-1"), desk("D-2")]

    results = run_in_parallel(*[
        (lambda target=target, staff=staff: services.desk_request_approve(request=change, desk=target, actor=staff))
        for target, staff in zip(targets, (daily_staff, administrator), strict=True)
    ])

    assert sum(isinstance(r, DeskChangeRequest) for r in results) == 1, results
    assert sum(isinstance(r, InvalidTransition) for r in results) == 1, results
    assert not [r for r in results if isinstance(r, DomainError) and not isinstance(r, InvalidTransition)]
    assert DeskAssignment.objects.filter(resident=resident, ends_at__isnull=True).count() == 1
    assert DeskAssignment.objects.filter(resident=resident).count() == 2  # A-1 released once, one new desk
