"""RULEBOOK §6 / 第四章第二条: an item is never lent twice at once, and a resident's loan limit holds, however
many requests arrive at once — with real parallel PostgreSQL connections (threads released by a barrier).

The data is committed (other connections must see it); the snapshot puts back the migrations' data
(rulebook, role groups) after the flush.
"""

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from opc_community.core.errors import ConflictError, DomainError
from spaces.models import EquipmentLoan
from spaces.services import equipment as services
from tests.concurrency import (  # noqa: F401 - the autouse fixture is imported to be active here
    committed_data,
    restore_snapshot_without_triggers,
    run_in_parallel,
)
from tests.factories import UserFactory
from tests.spaces.support.equipment import NOW, member, projector

pytestmark = committed_data

DUE = NOW + timedelta(days=2)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=True):
        yield


def outcome(result: Any) -> str:
    if isinstance(result, EquipmentLoan):
        return "lent"
    if isinstance(result, ConflictError):
        return "conflict"
    if isinstance(result, DomainError):
        return result.code
    return f"error: {result!r}"


@pytest.mark.parametrize("round_", range(5))
def test_two_parallel_borrows_of_the_same_item_exactly_one_succeeds(round_):
    item = projector(f"P-{round_}")
    residents = [member(UserFactory(), name=name) for name in ("张三", "李四")]

    results = run_in_parallel([
        (lambda resident=resident: services.loan_reserve(resident=resident, equipment=item, due_at=DUE,
                                                         purpose="并发测试", actor=resident.user))
        for resident in residents
    ])

    assert Counter(outcome(result) for result in results) == {"lent": 1, "conflict": 1}, results
    conflict = next(result for result in results if isinstance(result, ConflictError))
    assert conflict.field == "equipment" and conflict.code == "taken"
    assert EquipmentLoan.objects.filter(equipment=item).count() == 1


def test_ten_residents_posting_the_same_item_to_the_api_get_one_201_and_nine_409s():
    item = projector("P-API")
    residents = [member(UserFactory(), name=f"入驻主体{i}") for i in range(10)]
    body = {"equipment": item.pk, "due_at": DUE.isoformat(), "purpose": "并发测试"}

    def post(user: Any) -> int:
        client = APIClient()
        client.force_authenticate(user)
        return client.post("/api/v1/equipment-loans/", body, format="json").status_code

    results = run_in_parallel([(lambda user=resident.user: post(user)) for resident in residents])
    assert Counter(results) == {201: 1, 409: 9}, results
    assert EquipmentLoan.objects.filter(equipment=item).count() == 1


def test_one_resident_reserving_three_items_at_once_gets_no_more_than_the_limit():
    resident = member(UserFactory(), name="张三")
    items = [projector(f"P-L{i}") for i in range(3)]

    results = run_in_parallel([
        (lambda item=item: services.loan_reserve(resident=resident, equipment=item, due_at=DUE, purpose="并发测试",
                                                 actor=resident.user))
        for item in items
    ])

    assert Counter(outcome(result) for result in results) == {"lent": 2, "loan_limit": 1}, results
    assert EquipmentLoan.objects.filter(resident=resident).count() == 2
