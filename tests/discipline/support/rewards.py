"""Shared arrangements for the reward tests: no tests here.

The clock stands at Monday 2026-10-12 10:00 Asia/Shanghai unless a test travels. ``member_a`` /
``member_b`` are checked-in residents (tests/residents/conftest.py); :func:`eligible` makes a
resident eligible for compliance excellence of 2026 (checked in on 2026-01-05, 8 volunteer
services, no violation).
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from discipline.models import CaseStatus, ViolationCase, VolunteerService
from tests.residents.conftest import member_a, member_b  # noqa: F401  (fixtures re-exported)

SH = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 10, 12)  # a Monday, after the National Day holidays


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SH)


def on_day(day: date, hour: int = 10, minute: int = 0):
    return time_machine.travel(at(day, hour, minute), tick=False)


@pytest.fixture
def today():
    with on_day(TODAY):
        yield TODAY


def check_in(resident, day: date) -> None:
    type(resident).objects.filter(pk=resident.pk).update(checked_in_at=at(day, 9))
    resident.refresh_from_db()


def volunteer(resident, recorder, count: int, *, year: int = 2026, month: int = 2) -> None:
    """``count`` volunteer services in ``year`` (straight in the ORM, as recorded earlier)."""
    VolunteerService.objects.bulk_create(
        VolunteerService(resident=resident, served_on=date(year, month, 1 + i % 27), activity=f"社区活动志愿者 {i + 1}",
                         hours=2, recorded_by=recorder)
        for i in range(count)
    )


_numbers = iter(range(1, 10_000))


def violation(resident, *, occurred_on: date, status: str = CaseStatus.CONFIRMED) -> ViolationCase:
    return ViolationCase.objects.create(
        resident=resident, number=f"WG-TEST-{next(_numbers):04d}", kind="2b", occurred_on=occurred_on,
        facts="在公共区域丢弃垃圾。", status=status, found_at=timezone.now(),
    )


def eligible(resident, recorder, *, services: int = 8) -> None:
    check_in(resident, date(2026, 1, 5))
    volunteer(resident, recorder, services)
