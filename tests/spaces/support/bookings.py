"""Shared arrangements of the booking tests (no tests here): a fixed clock, rooms of each type,
residents A and B checked in, and helpers to write times in Asia/Shanghai.

Import the fixtures into a test module to use them (``from tests.spaces.support.bookings
import member_a_fixture, ...``; each is named without the suffix); pytest picks up fixtures
imported into a module.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from discipline.models import Suspension, SuspensionScope
from spaces.models import Booking, Room, RoomType
from tests.residents.factories import AgreementFactory, ResidentFactory, acknowledge_rules

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Monday 16 November 2026, 08:00 in Shanghai: the tests' "now".
TODAY = date(2026, 11, 16)
NOW = datetime(2026, 11, 16, 8, 0, tzinfo=SHANGHAI)
TOMORROW = TODAY + timedelta(days=1)


def at(day: date, clock: str) -> datetime:
    """An aware datetime: ``at(TOMORROW, "09:30")`` in Shanghai time."""
    hours, minutes = (int(part) for part in clock.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=SHANGHAI)


@pytest.fixture(name="clock")
def clock_fixture():
    """Stop the clock at NOW (tests move it with ``clock.move_to(...)``)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def make_member(user, name: str):
    resident = ResidentFactory(user=user, name=name)
    acknowledge_rules(resident)
    AgreementFactory(resident=resident)
    return resident


@pytest.fixture(name="member_a")
def member_a_fixture(resident_a):
    """Resident A (张三): checked in, rules acknowledged, accepted agreement."""
    return make_member(resident_a, "张三")


@pytest.fixture(name="member_b")
def member_b_fixture(resident_b):
    """Resident B (欧阳娜娜)."""
    return make_member(resident_b, "欧阳娜娜")


def room(code: str, room_type: str = RoomType.MEETING_ROOM, **kwargs) -> Room:
    defaults = {"name": f"{code} 会议室", "floor": "3F", "capacity": 8, "equipment": "投影仪、白板"}
    return Room.objects.create(code=code, room_type=room_type, **{**defaults, **kwargs})


@pytest.fixture(name="meeting_room")
def meeting_room_fixture(db):
    return room("A301", RoomType.MEETING_ROOM, name="A301 会议室", capacity=8)


@pytest.fixture(name="roadshow_hall")
def roadshow_hall_fixture(db):
    return room("H101", RoomType.ROADSHOW_HALL, name="路演厅", capacity=80, floor="1F", equipment="LED 屏、音响")


@pytest.fixture(name="negotiation_room")
def negotiation_room_fixture(db):
    return room("B201", RoomType.NEGOTIATION_ROOM, name="B201 洽谈室", capacity=4, floor="2F")


def book(resident, room_, starts_at, ends_at, **kwargs) -> Booking:
    """Straight into the table (arranging state; the services are tested on their own)."""
    defaults = {"purpose": "客户会谈", "attendees": 2, "booked_by": resident.user}
    return Booking.objects.create(resident=resident, room=room_, starts_at=starts_at, ends_at=ends_at,
                                  **{**defaults, **kwargs})


def suspend(resident, *, days: int = 7, **kwargs) -> Suspension:
    return Suspension.objects.create(
        resident=resident, scope=kwargs.pop("scope", SuspensionScope.PUBLIC_SPACES),
        starts_at=kwargs.pop("starts_at", timezone.now() - timedelta(days=1)),
        ends_at=kwargs.pop("ends_at", timezone.now() + timedelta(days=days)),
        reason=kwargs.pop("reason", "损坏设施"), **kwargs,
    )
