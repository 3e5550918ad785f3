"""Arrangements of the equipment tests (no tests here): a fixed clock, an item, a loan in any state."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from spaces.models import Equipment, EquipmentCategory, EquipmentLoan
from spaces.services import equipment as services
from tests.spaces.factories import EquipmentFactory
from tests.spaces.support.desks import member

SH = ZoneInfo("Asia/Shanghai")
#: Monday 16 November 2026, 09:00 in Shanghai.
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=SH)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """November 2026 in Shanghai: ``at(17, 9)`` is 17 November, 09:00."""
    return datetime(2026, 11, day, hour, minute, tzinfo=SH)


def projector(code: str = "EQ-P01", **kwargs) -> Equipment:
    return EquipmentFactory(asset_number=code, name=kwargs.pop("name", "爱普生投影仪"),
                            category=kwargs.pop("category", EquipmentCategory.PROJECTOR), **kwargs)


def reserve(resident, item: Equipment, *, due_at: datetime | None = None, now: datetime = NOW) -> EquipmentLoan:
    return services.loan_reserve(resident=resident, equipment=item, due_at=due_at or now + timedelta(days=2),
                                 purpose="客户路演", actor=resident.user, now=now)


def lent(resident, item: Equipment, staff, *, due_at: datetime | None = None, now: datetime = NOW) -> EquipmentLoan:
    """Reserved and handed out (through the services)."""
    loan = reserve(resident, item, due_at=due_at, now=now)
    return services.loan_hand_out(loan=loan, actor=staff, now=now)


__all__ = ["NOW", "SH", "at", "lent", "member", "projector", "reserve"]
