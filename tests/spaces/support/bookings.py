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

from spaces.models import Booking, RoomType
from tests.residents.factories import AgreementFactory, ResidentFactory, acknowledge_rules
from tests.spaces.factories import BookingFactory, RoomFactory

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


@pytest.fixture(name="meeting_room")
def meeting_room_fixture(db):
    return RoomFactory(code="A301")


@pytest.fixture(name="roadshow_hall")
def roadshow_hall_fixture(db):
    return RoomFactory(code="H101", room_type=RoomType.ROADSHOW_HALL, name="路演厅", capacity=80, floor="1F",
                       equipment="LED 屏、音响")


@pytest.fixture(name="negotiation_room")
def negotiation_room_fixture(db):
    return RoomFactory(code="B201", room_type=RoomType.NEGOTIATION_ROOM, name="B201 洽谈室", capacity=4, floor="2F")


def book(resident, room_, starts_at, ends_at, **kwargs) -> Booking:
    """Straight into the table (arranging state; the services are tested on their own)."""
    return BookingFactory(resident=resident, room=room_, starts_at=starts_at, ends_at=ends_at, **kwargs)
