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


# --- Scenario matchmaking and policy help (第五章第二条) -------------------------------------------------


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "resources.Partner"
        django_get_or_create = ("name",)

    name = "南沙智造产业园"
    kind = "enterprise"
    contact_person = "王经理"
    contact_phone = "13800138000"


class ScenarioFactory(factory.django.DjangoModelFactory):
    """A published business scenario of an enterprise partner, taking interest until Sat 2026-10-31."""

    class Meta:
        model = "resources.Scenario"

    kind = "scenario"
    partner = factory.SubFactory(PartnerFactory)
    title = "工厂质检视觉模型"
    industry = "智能制造"
    description = "产线零部件外观缺陷检测，需要可部署的视觉模型方案。"
    deadline = date(2026, 10, 31)
    published_at = datetime(2026, 10, 1, 9, 0, tzinfo=SH)
    created_by = factory.SubFactory(UserFactory, is_staff=True, roles=[Role.RESOURCES])


class PolicyFactory(factory.django.DjangoModelFactory):
    """A published startup subsidy whose applications close on Tue 2026-10-20."""

    class Meta:
        model = "resources.Policy"

    kind = "subsidy"
    title = "南沙区一人公司创业补贴"
    summary = "符合条件的入驻主体可申请一次性创业补贴。"
    eligibility = "在南沙注册、入驻社区满 3 个月"
    benefit = "最高 2 万元"
    application_deadline = date(2026, 10, 20)
    published_at = datetime(2026, 10, 1, 9, 0, tzinfo=SH)
    created_by = factory.SubFactory(UserFactory, is_staff=True, roles=[Role.RESOURCES])
