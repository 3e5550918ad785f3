"""Pure rules of promotion and event permits (第四章第三条): material, period, rooms within the permit's time."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from spaces.models import REQUEST_TRANSITIONS, PermitKind, RequestStatus
from spaces.rules import permits as rules

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 16, 8, 0, tzinfo=SH)
START, END = datetime(2026, 11, 17, 9, 0, tzinfo=SH), datetime(2026, 11, 17, 12, 0, tzinfo=SH)


@pytest.mark.parametrize(("kind", "required"), [("posters", True), ("flyers", True), ("roadshow", False),
                                                ("event", False)])
def test_posters_and_flyers_come_with_their_material(kind, required):
    assert rules.material_required(kind) is required


def test_every_kind_is_covered():
    assert set(PermitKind.values) == rules.MATERIAL_REQUIRED_KINDS | rules.ROOM_KINDS


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "problem"),
    [
        (START, END, None),
        (START, START, "order"),
        (END, START, "order"),
        (NOW, NOW + timedelta(minutes=1), None),  # starting right now is fine
        (NOW - timedelta(minutes=1), END, "past"),
    ],
)
def test_the_period(starts_at, ends_at, problem):
    assert rules.period_problem(starts_at=starts_at, ends_at=ends_at, now=NOW) == problem


@pytest.mark.parametrize(
    ("kind", "status", "can"),
    [(kind, status, kind in ("event", "roadshow") and status == "approved")
     for kind in PermitKind.values for status in RequestStatus.values],
)
def test_only_an_approved_event_or_roadshow_reserves_a_room(kind, status, can):
    assert rules.can_reserve_room(kind=kind, status=status) is can


def h(hour: int, minute: int = 0) -> datetime:
    return START.replace(hour=hour, minute=minute)


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "inside"),
    [
        (h(9), h(12), True),  # exactly the permit's time
        (h(9), h(10), True),
        (h(11), h(12), True),
        (h(8, 30), h(10), False),  # starts before
        (h(11), h(12, 30), False),  # ends after
        (h(8), h(9), False),  # touches the start from outside
        (h(12), h(13), False),
        (h(10), h(10), False),  # empty
    ],
)
def test_a_booking_lies_within_the_permits_time(starts_at, ends_at, inside):
    assert rules.booking_within_permit(permit_starts_at=START, permit_ends_at=END, starts_at=starts_at,
                                       ends_at=ends_at) is inside


@pytest.mark.parametrize(("ends_at", "decidable"), [(NOW + timedelta(seconds=1), True), (NOW, False)])
def test_a_permit_is_approved_only_before_its_time_is_over(ends_at, decidable):
    assert rules.decidable(ends_at=ends_at, now=NOW) is decidable


@pytest.mark.parametrize(
    ("status", "holds_bookings", "refusal"),
    [
        (RequestStatus.REQUESTED, False, None),
        (RequestStatus.APPROVED, False, None),
        (RequestStatus.APPROVED, True, "has_bookings"),
        (RequestStatus.REFUSED, False, "status"),
        (RequestStatus.WITHDRAWN, True, "status"),
    ],
)
def test_withdraw_refusal_the_service_and_the_page_share(status, holds_bookings, refusal):
    assert rules.withdraw_refusal(status=status, holds_bookings=holds_bookings) == refusal


def test_the_withdrawable_statuses_are_the_state_machines_moves_to_withdrawn():
    assert {
        status for status, targets in REQUEST_TRANSITIONS.items() if RequestStatus.WITHDRAWN in targets
    } == rules.WITHDRAWABLE_STATUSES
