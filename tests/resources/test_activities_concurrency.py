"""Races with real parallel database connections (threads, committed data): two residents asking for the
last place get one registration and one clear refusal; two staff checking the same resident in at the
same moment write one attendance row.

The service is slowed down right after it counted the registrations, so the second caller really
arrives while the first one's transaction is open: without the row lock on the activity both would
count "29 of 30" and both would register.
"""

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pgtrigger
import pytest
from django.db import connection
from django.db.backends.base.creation import BaseDatabaseCreation

from opc_community.core.errors import ConflictError
from resources import rules, services
from resources.models import ActivityRegistration, Attendance
from tests.resources.support import STARTS, at, make_activity, member, register

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
    """Run each call in its own thread and database connection, started together; results or exceptions."""
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


def test_two_residents_asking_for_the_last_place_one_wins(resources_staff, monkeypatch):
    activity = make_activity(resources_staff, capacity=2)
    register(activity, member(name="已报名"))
    first, second = member(name="甲"), member(name="乙")
    real_refusal = rules.registration_refusal

    def slow_refusal(**kwargs: Any) -> Any:
        refusal = real_refusal(**kwargs)
        time.sleep(0.3)  # both would have counted 1 of 2 here if nothing serialised them
        return refusal

    monkeypatch.setattr(rules, "registration_refusal", slow_refusal)

    results = run_in_parallel(*[
        (lambda resident=resident: services.registration_create(
            activity=activity, resident=resident, actor=resident.user))
        for resident in (first, second)
    ])

    winners = [r for r in results if isinstance(r, ActivityRegistration)]
    losers = [r for r in results if isinstance(r, ConflictError)]
    assert (len(winners), len(losers)) == (1, 1), results
    assert str(losers[0].message) == "“大模型应用开发培训”已满员：2 个名额均已报满。"
    assert ActivityRegistration.objects.filter(activity=activity, cancelled_at__isnull=True).count() == 2


def test_two_staff_checking_the_same_resident_in_write_one_row(resources_staff, administrator):
    activity = make_activity(resources_staff)
    resident = member(name="丙")
    register(activity, resident)

    with at(STARTS):
        results = run_in_parallel(*[
            (lambda staff=staff: services.attendance_record(
                activity=activity, resident=resident, method="list", actor=staff))
            for staff in (resources_staff, administrator)
        ])

    assert sorted(r.created for r in results) == [False, True], results
    assert Attendance.objects.filter(activity=activity, resident=resident).count() == 1
