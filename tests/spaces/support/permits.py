"""Arrangements of the permit tests (no tests here): a fixed clock, a room, a permit straight in the ORM."""

from datetime import datetime
from zoneinfo import ZoneInfo

from spaces.models import Permit, Room, RoomType
from tests.spaces.factories import PermitFactory, RoomFactory

SH = ZoneInfo("Asia/Shanghai")
#: Monday 16 November 2026, 08:00 in Shanghai (a working day).
NOW = datetime(2026, 11, 16, 8, 0, tzinfo=SH)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """November 2026 in Shanghai: ``at(17, 9)`` is 17 November, 09:00."""
    return datetime(2026, 11, day, hour, minute, tzinfo=SH)


def room(code: str = "H101", room_type: str = RoomType.ROADSHOW_HALL, capacity: int = 80) -> Room:
    return RoomFactory(code=code, name=f"{code} 路演厅", room_type=room_type, floor="1F", capacity=capacity)


def permit(resident, *, kind: str = "event", status: str = "requested", **kwargs) -> Permit:
    """A permit straight in the table (the services are tested on their own)."""
    values = {"starts_at": at(17, 9), "ends_at": at(17, 12), **kwargs}
    return PermitFactory(resident=resident, kind=kind, status=status, **values)
