"""Shared arrangements for the activity tests (no tests here): moments, activities, residents.

The clock: tests travel to :data:`NOW` (Mon 2026-10-12 10:00, Asia/Shanghai) unless they say otherwise.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from residents.models import Resident
from resources.models import (
    Activity,
    ActivityKind,
    ActivityRegistration,
    Attendance,
    VoucherProgramme,
)
from tests.residents.factories import AgreementFactory, ResidentFactory, acknowledge_rules
from tests.resources.factories import (
    ActivityFactory,
    ActivityRegistrationFactory,
    AttendanceFactory,
    VoucherProgrammeFactory,
)

SH = ZoneInfo("Asia/Shanghai")


def sh(*args: int) -> datetime:
    """An aware datetime in Asia/Shanghai."""
    return datetime(*args, tzinfo=SH)


NOW = sh(2026, 10, 12, 10, 0)
#: The activity most tests use: Wed 2026-10-14 14:00–16:00.
STARTS = sh(2026, 10, 14, 14, 0)
ENDS = sh(2026, 10, 14, 16, 0)


def at(moment: datetime) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


def make_activity(created_by, *, title: str = "大模型应用开发培训", starts_at: datetime = STARTS,
                  ends_at: datetime | None = None, capacity: int = 30, counts: bool = True,
                  cancelled_at: datetime | None = None, kind: str = ActivityKind.TRAINING,
                  place: str = "3 楼路演厅") -> Activity:
    """An activity written straight to the ORM (any time, past ones included)."""
    return ActivityFactory(
        title=title, kind=kind, starts_at=starts_at, ends_at=ends_at or starts_at + timedelta(hours=2),
        place=place, capacity=capacity, counts_for_attendance=counts, cancelled_at=cancelled_at,
        created_by=created_by,
    )


_SINCE_APRIL = sh(2026, 4, 1, 9, 0)


def member(user=None, *, name: str | None = None, checked_in_at: datetime | None = _SINCE_APRIL, **fields) -> Resident:
    """A checked-in, oriented resident with an agreement (like tests/residents' member_a);
    checked in on 2026-04-01 unless ``checked_in_at`` says otherwise (None: never)."""
    kwargs = {"name": name} if name else {}
    if user is not None:
        kwargs["user"] = user
    resident = ResidentFactory(checked_in_at=checked_in_at, **kwargs, **fields)
    acknowledge_rules(resident)
    AgreementFactory(resident=resident)
    return resident


def register(activity: Activity, resident: Resident) -> ActivityRegistration:
    return ActivityRegistrationFactory(activity=activity, resident=resident)


def attend(activity: Activity, resident: Resident, staff, *, at_: datetime | None = None) -> Attendance:
    return AttendanceFactory(activity=activity, resident=resident, checked_in_at=at_ or activity.starts_at,
                             checked_in_by=staff)


# --- Vouchers ------------------------------------------------------------------------------------------


def programme(**fields) -> VoucherProgramme:
    """A published compute-voucher programme (see VoucherProgrammeFactory), open on NOW."""
    return VoucherProgrammeFactory(**fields)


def granted(resident: Resident, staff, *, amount: str = "1000", prog=None, purpose: str = "训练垂类模型"):
    """An application approved through the services: the grant it issued."""
    from resources.services import vouchers as voucher_services

    prog = prog or programme()
    application = voucher_services.application_submit(
        programme=prog, resident=resident, purpose=purpose, amount=amount, actor=resident.user)
    return voucher_services.application_approve(application=application, actor=staff)


# --- Start-up services and surveys (第五章第三条、第四条) -------------------------------------------------------


def stage_service(code: str = "business_plan"):
    """A service of the catalogue seeded by the migration."""
    from resources.models import StageService

    return StageService.objects.get(code=code)


def requested(resident: Resident, *, code: str = "business_plan", need: str = "帮我梳理商业计划书"):
    """A service request filed through the service."""
    from resources.services.stage import request_submit

    return request_submit(service=stage_service(code), resident=resident, need=need, actor=resident.user)
