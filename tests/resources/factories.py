"""Factories of the resources app's tables: activities, registrations and attendance, written straight
in the ORM to arrange state (the services are tested on their own)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import factory

from opc_community.accounts.roles import Role
from resources.models import Activity, ActivityKind, ActivityRegistration, Attendance, CheckInMethod
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
