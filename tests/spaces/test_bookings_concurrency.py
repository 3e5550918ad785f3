"""The quality bar of 第四章第一条 / RULEBOOK §5: a room never holds two overlapping bookings, however
many requests arrive at once — with real parallel PostgreSQL connections.

20 threads, each with its own database connection and its own resident, book the same slot at the
same moment (a barrier releases them together); 20 rounds, each on a new slot. Every round exactly
one booking wins and the 19 others get a clean ConflictError naming the taken slot; nothing else
goes wrong (no IntegrityError, no deadlock error). Once more through the API: one 201, 19 × 409,
no 500. The data is committed (other connections
must see it); the snapshot puts back the migrations' data (rulebook, role groups) after the flush.
"""

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from opc_community.core.errors import ConflictError
from spaces.models import Booking, BookingStatus
from spaces.services import bookings as services
from tests.concurrency import (  # noqa: F401 - the autouse fixture is imported to be active here
    committed_data,
    restore_snapshot_without_triggers,
    run_in_parallel,
)
from tests.factories import UserFactory
from tests.spaces.factories import RoomFactory
from tests.spaces.support.bookings import NOW, TOMORROW, at, make_member

pytestmark = committed_data

THREADS = 20
ROUNDS = 20
JOIN_TIMEOUT = 120  # seconds: twenty connections queueing on one slot


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=True):
        yield


def outcome(result: Any) -> str:
    if isinstance(result, Booking):
        return "booked"
    if isinstance(result, ConflictError):
        return "conflict"
    return f"error: {result!r}"


def test_twenty_residents_booking_the_same_slot_at_once_exactly_one_wins_every_round():
    hall = RoomFactory(code="A301")
    residents = [make_member(UserFactory(), f"入驻主体{i}") for i in range(THREADS)]

    summary: Counter[str] = Counter()
    for round_number in range(ROUNDS):
        # Each round a new slot: 09:00–10:00, 10:00–11:00, … over the next days.
        start = at(TOMORROW + timedelta(days=round_number // 12), "09:00") + timedelta(hours=round_number % 12)
        end = start + timedelta(hours=1)
        results = run_in_parallel([
            (lambda resident=resident, start=start, end=end: services.booking_create(
                resident=resident, room=hall, starts_at=start, ends_at=end, purpose="并发测试", attendees=1,
                actor=resident.user))
            for resident in residents
        ], timeout=JOIN_TIMEOUT)
        outcomes = Counter(outcome(result) for result in results)
        assert outcomes == {"booked": 1, "conflict": THREADS - 1}, (round_number, outcomes)
        conflicts = [result for result in results if isinstance(result, ConflictError)]
        assert {c.details["conflict"]["starts_at"] for c in conflicts} == {start.isoformat()}
        assert Booking.objects.filter(room=hall, starts_at=start, status=BookingStatus.CONFIRMED).count() == 1
        summary.update(outcomes)

    assert summary == {"booked": ROUNDS, "conflict": ROUNDS * (THREADS - 1)}
    assert Booking.objects.count() == ROUNDS


def test_twenty_residents_posting_the_same_slot_to_the_api_get_one_201_and_nineteen_409s():
    """The same race through the whole stack (DRF, middleware, exception handler): one 201, the rest a
    409 naming the taken slot — never a 500."""
    hall = RoomFactory(code="A304")
    residents = [make_member(UserFactory(), f"入驻主体{i}") for i in range(THREADS)]
    start, end = at(TOMORROW, "15:00"), at(TOMORROW, "16:00")
    body = {"room": hall.pk, "starts_at": start.isoformat(), "ends_at": end.isoformat(), "purpose": "并发测试",
            "attendees": 1}

    def post(user: Any) -> tuple[int, dict]:
        client = APIClient()
        client.force_authenticate(user)
        response = client.post("/api/v1/bookings/", body, format="json")
        return response.status_code, response.json()

    results = run_in_parallel([(lambda user=resident.user: post(user)) for resident in residents],
                              timeout=JOIN_TIMEOUT)

    statuses = Counter(result[0] if isinstance(result, tuple) else repr(result) for result in results)
    assert statuses == {201: 1, 409: THREADS - 1}, statuses
    conflicts = [payload for status, payload in results if status == 409]
    assert {c["conflict"]["starts_at"] for c in conflicts} == {start.isoformat()}
    assert all(c["field"] == "starts_at" and c["detail"] for c in conflicts)
    assert Booking.objects.filter(room=hall).count() == 1


def test_overlapping_but_different_slots_at_once_also_leave_one_winner():
    hall = RoomFactory(code="A302")
    residents = [make_member(UserFactory(), f"入驻主体{i}") for i in range(8)]
    # Eight requests all covering 10:00–10:30, each a different shape.
    shapes = [("09:00", "11:00"), ("10:00", "10:30"), ("09:30", "10:30"), ("10:00", "12:00"),
              ("08:00", "10:30"), ("10:00", "11:00"), ("09:00", "12:00"), ("10:00", "13:00")]
    results = run_in_parallel([
        (lambda resident=resident, shape=shape: services.booking_create(
            resident=resident, room=hall, starts_at=at(TOMORROW, shape[0]), ends_at=at(TOMORROW, shape[1]),
            purpose="并发测试", attendees=1, actor=resident.user))
        for resident, shape in zip(residents, shapes, strict=True)
    ], timeout=JOIN_TIMEOUT)
    assert Counter(outcome(result) for result in results) == {"booked": 1, "conflict": 7}


def test_adjacent_slots_booked_at_once_both_succeed():
    hall = RoomFactory(code="A303")
    first, second = (make_member(UserFactory(), name) for name in ("甲", "乙"))
    results = run_in_parallel([
        lambda: services.booking_create(resident=first, room=hall, starts_at=at(TOMORROW, "09:00"),
                                        ends_at=at(TOMORROW, "10:00"), purpose="晨会", attendees=1, actor=first.user),
        lambda: services.booking_create(resident=second, room=hall, starts_at=at(TOMORROW, "10:00"),
                                        ends_at=at(TOMORROW, "11:00"), purpose="例会", attendees=1, actor=second.user),
    ], timeout=JOIN_TIMEOUT)
    assert [outcome(result) for result in results] == ["booked", "booked"]
