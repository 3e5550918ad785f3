"""Factories of the spaces app's tables: desks, rooms, bookings, change requests, visitors and permits,
written straight in the ORM to arrange state (the services are tested on their own)."""

from datetime import timedelta

import factory
from django.utils import timezone

from opc_community.accounts.roles import Role
from spaces.models import (
    Booking,
    Desk,
    DeskChangeRequest,
    Equipment,
    EquipmentCategory,
    Permit,
    PermitKind,
    Room,
    RoomType,
    Visitor,
)
from tests.factories import UserFactory
from tests.residents.factories import ResidentFactory


class DeskFactory(factory.django.DjangoModelFactory):
    """A desk in use on the third floor, zone A."""

    class Meta:
        model = Desk

    code = factory.Sequence(lambda n: f"T-{n:03d}")
    floor = "3F"
    zone = "A 区"


class RoomFactory(factory.django.DjangoModelFactory):
    """A meeting room for 8 on the third floor, open for booking."""

    class Meta:
        model = Room

    code = factory.Sequence(lambda n: f"R{n:03d}")
    name = factory.LazyAttribute(lambda room: f"{room.code} 会议室")
    room_type = RoomType.MEETING_ROOM
    floor = "3F"
    capacity = 8
    equipment = "投影仪、白板"


class BookingFactory(factory.django.DjangoModelFactory):
    """A booked hour in a room, made by the resident itself, starting an hour from now."""

    class Meta:
        model = Booking

    room = factory.SubFactory(RoomFactory)
    resident = factory.SubFactory(ResidentFactory)
    booked_by = factory.LazyAttribute(lambda booking: booking.resident.user)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=1))
    ends_at = factory.LazyAttribute(lambda booking: booking.starts_at + timedelta(hours=1))
    purpose = "客户会谈"
    attendees = 2


class DeskChangeRequestFactory(factory.django.DjangoModelFactory):
    """A resident's request for another desk, awaiting the daily management team."""

    class Meta:
        model = DeskChangeRequest

    resident = factory.SubFactory(ResidentFactory)
    reason = "靠窗"


class VisitorFactory(factory.django.DjangoModelFactory):
    """A visitor registered by staff, expected in two hours, awaiting the host's confirmation."""

    class Meta:
        model = Visitor

    name = "王小明"
    phone = "13900139000"
    host = factory.SubFactory(ResidentFactory)
    purpose = "商务洽谈"
    expected_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=2))
    registered_by = factory.SubFactory(UserFactory, is_staff=True, roles=[Role.DAILY])


class PermitFactory(factory.django.DjangoModelFactory):
    """A requested event permit for three hours tomorrow."""

    class Meta:
        model = Permit

    resident = factory.SubFactory(ResidentFactory)
    kind = PermitKind.EVENT
    title = "AI 创业沙龙"
    place = "路演厅"
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    ends_at = factory.LazyAttribute(lambda permit: permit.starts_at + timedelta(hours=3))
    description = "面向社区入驻主体的交流活动"


class EquipmentFactory(factory.django.DjangoModelFactory):
    """A projector in good condition at the front desk, lendable."""

    class Meta:
        model = Equipment

    asset_number = factory.Sequence(lambda n: f"EQ-{n:04d}")
    name = "投影仪"
    category = EquipmentCategory.PROJECTOR
    value = "3000.00"
    location = "一楼前台"
