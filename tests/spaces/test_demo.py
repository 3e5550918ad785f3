"""The spaces demo (spaces/demo.py): every kind of record in every state it can be in, made
quickly, and a second run — even on another day — changes nothing."""

import time
from datetime import datetime, timedelta
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Count
from django.utils import timezone

from opc_community.core.demo import SEEDERS, Demo
from spaces import demo as spaces_demo
from spaces.models import (
    Booking,
    BookingStatus,
    DeskChangeRequest,
    EmergencyPlan,
    EmergencySupply,
    Equipment,
    EquipmentLoan,
    LoanStatus,
    Permit,
    RequestStatus,
    RoadshowCredit,
    Room,
    RoomType,
    Visitor,
    VisitorStatus,
)
from spaces.selectors.bookings import no_show_candidates
from spaces.selectors.reports import default_range, occupancy_report

SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Permit materials (and the residents demo's application files) go to a throw-away folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path)}},
    }


def _counts() -> dict[str, object]:
    return {
        "rooms": Room.objects.count(),
        "bookings": dict(Booking.objects.values_list("status").annotate(n=Count("id"))),
        "visitors": dict(Visitor.objects.values_list("status").annotate(n=Count("id"))),
        "permits": dict(Permit.objects.values_list("status").annotate(n=Count("id"))),
        "desk_requests": DeskChangeRequest.objects.count(),
        "credits": RoadshowCredit.objects.count(),
        "equipment": Equipment.objects.count(),
        "loans": dict(EquipmentLoan.objects.values_list("status").annotate(n=Count("id"))),
        # 第七章第四条: the fire plan (version 2 in force, version 1 kept) and its supplies
        "plans": [(plan.kind, plan.version, plan.superseded_at is None)
                  for plan in EmergencyPlan.objects.order_by("version")],
        "supplies": EmergencySupply.objects.count(),
    }


def _seed(now: datetime) -> float:
    """Every seeder up to spaces; returns the seconds the spaces seeder took."""
    demo = Demo(now=timezone.now())
    assert abs(demo.now - now) < timedelta(minutes=1)
    took = 0.0
    for module in SEEDERS:
        started = time.perf_counter()
        import_module(f"{module}.demo").seed(demo)
        if module == "spaces":
            took = time.perf_counter() - started
    return took


def test_spaces_is_seeded_after_the_residents():
    assert "spaces" in SEEDERS and SEEDERS.index("spaces") > SEEDERS.index("residents")


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 11, 18, 10, 7, tzinfo=SHANGHAI),  # a Wednesday morning
        datetime(2026, 11, 22, 21, 50, tzinfo=SHANGHAI),  # a Sunday late evening: nothing left to book today
    ],
)
def test_the_demo_has_every_state_and_a_second_run_changes_nothing(now):
    # Given the demo built at ``now``
    with time_machine.travel(now):
        took = _seed(now)
    first = _counts()

    # then the spaces seeder was quick
    assert took < 5
    assert first["plans"] == [("fire", 1, False), ("fire", 2, True)] and first["supplies"] == 4

    # rooms of every type, with equipment
    assert set(Room.objects.values_list("room_type", flat=True)) == set(RoomType.values)
    assert Room.objects.filter(room_type=RoomType.MEETING_ROOM).count() == 3
    assert not Room.objects.filter(equipment="").exists()
    # a week of bookings around now: past ones checked in, released or cancelled; coming ones confirmed
    statuses = first["bookings"]
    assert statuses[BookingStatus.CHECKED_IN] > 20 and statuses[BookingStatus.RELEASED] >= 3
    assert statuses[BookingStatus.CANCELLED] >= 1 and statuses[BookingStatus.CONFIRMED] >= 5
    assert not Booking.objects.filter(status=BookingStatus.CONFIRMED, starts_at__lt=now).exists()
    assert not Booking.objects.filter(status=BookingStatus.CHECKED_IN, starts_at__gt=now).exists()
    # one coming roadshow-hall booking on a free credit; the approved event holds its room
    assert Booking.objects.filter(uses_credit=True, status=BookingStatus.CONFIRMED).count() == 1
    event = Permit.objects.get(status=RequestStatus.APPROVED)
    assert event.bookings.get().room.room_type == RoomType.ROADSHOW_HALL
    # visitors in every state, permits requested / approved / refused, a desk request pending
    assert set(first["visitors"]) == set(VisitorStatus.values)
    assert set(first["permits"]) == {RequestStatus.REQUESTED, RequestStatus.APPROVED, RequestStatus.REFUSED}
    assert DeskChangeRequest.objects.get().status == RequestStatus.REQUESTED
    # equipment on loan, one overdue and flagged, one reserved, one returned damaged
    assert first["loans"] == {LoanStatus.OUT: 2, LoanStatus.REQUESTED: 1, LoanStatus.RETURNED: 2}
    overdue = EquipmentLoan.objects.get(status=LoanStatus.OUT, due_at__lt=now)
    assert overdue.overdue_flagged_at is not None and overdue.resident.user.username == "ouyang"
    assert EquipmentLoan.objects.filter(damage_value__isnull=False).count() == 1
    # the report and the no-show candidates have something to show
    with time_machine.travel(now):
        start, end = default_range(now.date())
        report = occupancy_report(start=start, end=end)
        assert report.total.used_minutes > 0 and report.total.no_shows > 0
        assert [resident.user.username for resident in no_show_candidates()].count("ouyang") == 1

    # When the demo is seeded again, the same day and two days later
    with time_machine.travel(now + timedelta(minutes=5)):
        _seed(now + timedelta(minutes=5))
    assert _counts() == first
    with time_machine.travel(now + timedelta(days=2)):
        _seed(now + timedelta(days=2))
    # then nothing was added
    assert _counts() == first


def test_without_checked_in_residents_only_the_rooms_are_made(django_user_model):
    from opc_community.accounts import demo as accounts_demo

    demo = Demo(now=timezone.now())
    accounts_demo.seed(demo)
    spaces_demo.seed(demo)
    assert Room.objects.count() == len(spaces_demo.ROOMS)
    assert not Booking.objects.exists() and not Visitor.objects.exists()


def test_the_demo_has_a_week_of_rounds_with_one_evening_missed():
    # 第四章第一条 3、4 (spaces/demo_rounds.py)
    from spaces.models import CleaningRound, ClosingRound, MissedRound, RoundException

    now = datetime(2026, 11, 18, 10, 7, tzinfo=SHANGHAI)
    with time_machine.travel(now):
        _seed(now)
        _seed(now)
    assert CleaningRound.objects.values("day").distinct().count() == 7
    assert ClosingRound.objects.count() == 6 and RoundException.objects.count() == 1
    assert list(MissedRound.objects.values_list("day", "kind")) == [(now.date() - timedelta(days=3), "closing")]
