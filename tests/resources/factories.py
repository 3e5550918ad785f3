"""Factories of the resources app's tables: activities, registrations and attendance, written straight
in the ORM to arrange state (the services are tested on their own)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory

from opc_community.accounts.roles import Role
from resources.models import (
    Activity,
    ActivityKind,
    ActivityRegistration,
    Attendance,
    CheckInMethod,
    ProviderKind,
    VoucherKind,
    VoucherProgramme,
    VoucherProvider,
    VoucherUnit,
)
from resources.services.activities import new_checkin_token
from tests.factories import UserFactory
from tests.residents.factories import ResidentFactory

SH = ZoneInfo("Asia/Shanghai")


class ActivityFactory(factory.django.DjangoModelFactory):
    """A two-hour training for 30 that counts for attendance: Wed 2026-10-14 14:00 in Shanghai."""

    class Meta:
        model = Activity

    title = "大模型应用开发培训"
    kind = ActivityKind.TRAINING
    starts_at = datetime(2026, 10, 14, 14, 0, tzinfo=SH)
    ends_at = factory.LazyAttribute(lambda activity: activity.starts_at + timedelta(hours=2))
    place = "3 楼路演厅"
    capacity = 30
    counts_for_attendance = True
    checkin_token = factory.LazyFunction(new_checkin_token)
    created_by = factory.SubFactory(UserFactory, is_staff=True, roles=[Role.RESOURCES])


class ActivityRegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivityRegistration

    activity = factory.SubFactory(ActivityFactory)
    resident = factory.SubFactory(ResidentFactory)


class AttendanceFactory(factory.django.DjangoModelFactory):
    """Checked in by staff from the list when the activity began."""

    class Meta:
        model = Attendance

    activity = factory.SubFactory(ActivityFactory)
    resident = factory.SubFactory(ResidentFactory)
    method = CheckInMethod.LIST
    checked_in_at = factory.LazyAttribute(lambda attendance: attendance.activity.starts_at)
    checked_in_by = factory.SubFactory(UserFactory, is_staff=True, roles=[Role.RESOURCES])


# --- Vouchers ----------------------------------------------------------------------------------------


class VoucherProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VoucherProvider
        django_get_or_create = ("name",)

    name = "南沙算力调度平台"
    kind = ProviderKind.PLATFORM


class VoucherProgrammeFactory(factory.django.DjangoModelFactory):
    """A published compute-voucher programme in yuan: 1,000 per approval, cap 2,000, valid 90 days, open in Q4."""

    class Meta:
        model = VoucherProgramme

    provider = factory.SubFactory(VoucherProviderFactory)
    title = "2026 年第四季度算力券"
    kind = VoucherKind.COMPUTE
    unit = VoucherUnit.YUAN
    face_value = Decimal("1000.00")
    per_resident_cap = Decimal("2000.00")
    validity_days = 90
    required_materials = "项目计划书、算力使用方案"
    opens_on = date(2026, 10, 1)
    closes_on = date(2026, 12, 31)
    budget = Decimal("50000.00")
    published_at = datetime(2026, 9, 30, 9, 0, tzinfo=SH)
    created_by = factory.SubFactory(UserFactory, is_staff=True, roles=[Role.RESOURCES])
