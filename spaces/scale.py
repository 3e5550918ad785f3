"""Scale data of the spaces app (``manage.py seed_scale``; opc_community/core/scale.py): about three room
bookings per resident, one hour each on the hour within opening hours, since the resident checked in.

Past bookings were checked in (80 %), cancelled (14 %) or released as no-shows (6 %); one in twenty is
in the next two weeks, confirmed. Each booking takes a free hour of a room (never overlapping a live
booking, the database's exclusion constraint): it starts at a pseudo-random hour and moves on to the
next free one; a booking that finds none within its search is written as cancelled.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from opc_community import rulebook
from opc_community.core.scale import BATCH, Scale
from spaces.models import ACTIVE_BOOKING_STATUSES, Booking, BookingStatus, Room

PER_RESIDENT = 3
PROBES = 200  # hours tried after the first choice before giving up on a live booking
PURPOSES = ("客户洽谈", "团队例会", "项目路演排练", "投资人会面", "产品评审")


def _hour_keys(starts_at: datetime, ends_at: datetime) -> list[datetime]:
    """Every hour that [starts_at, ends_at) touches, as the hour's start."""
    hour = starts_at.replace(minute=0, second=0, microsecond=0)
    keys = []
    while hour < ends_at:
        keys.append(hour)
        hour += timedelta(hours=1)
    return keys


def seed_scale(scale: Scale) -> None:
    rooms = list(Room.objects.filter(is_active=True).order_by("pk"))
    if not rooms:
        return
    zone = ZoneInfo(settings.TIME_ZONE)
    types = rulebook.in_force(on=scale.today).booking.room_types
    hours = {
        room.pk: range(types[room.room_type].opens.hour, types[room.room_type].closes.hour)
        for room in rooms
    }
    taken = {
        (room_id, key)
        for room_id, starts_at, ends_at in Booking.objects.filter(
            status__in=ACTIVE_BOOKING_STATUSES, ends_at__gt=scale.now - timedelta(days=400)
        ).values_list("room_id", "starts_at", "ends_at")
        for key in _hour_keys(starts_at.astimezone(zone), ends_at.astimezone(zone))
    }
    rows = []
    for resident in scale.residents:
        since = resident.checked_in_at.date() + timedelta(days=1)
        span = max((scale.today - since).days, 1)
        for k in range(PER_RESIDENT):
            seed = resident.sequence * PER_RESIDENT + k
            future = seed % 20 == 0
            day = (
                scale.today + timedelta(days=1 + seed % 13)
                if future
                else since + timedelta(days=seed * 7919 % span)
            )
            rows.append(
                _booking(
                    scale,
                    rooms,
                    hours,
                    taken,
                    zone,
                    seed,
                    resident.pk,
                    resident.user_id,
                    day,
                    future,
                )
            )
    Booking.objects.bulk_create(rows, batch_size=BATCH)


def _booking(
    scale: Scale,
    rooms: list[Room],
    hours: dict[int, range],
    taken: set,
    zone: ZoneInfo,
    seed: int,
    resident_id: int,
    user_id: int,
    day: date,
    future: bool,
) -> Booking:
    fate = seed % 50
    status = (
        BookingStatus.CONFIRMED
        if future
        else BookingStatus.CANCELLED
        if fate < 7
        else BookingStatus.RELEASED
        if fate < 10
        else BookingStatus.CHECKED_IN
    )
    room = rooms[seed % len(rooms)]
    open_hours = hours[room.pk]
    starts_at = datetime.combine(day, time(open_hours[seed % len(open_hours)]), tzinfo=zone)
    if status in ACTIVE_BOOKING_STATUSES:
        for _probe in range(PROBES):
            if (
                (room.pk, starts_at) not in taken
                and starts_at.hour in open_hours
                and (future or starts_at + timedelta(hours=1) <= scale.now)
            ):
                break
            starts_at += timedelta(hours=1)
        else:
            status = BookingStatus.CANCELLED
    if status in ACTIVE_BOOKING_STATUSES:
        taken.add((room.pk, starts_at))
    booking = Booking(
        room=room,
        resident_id=resident_id,
        booked_by_id=user_id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        purpose=PURPOSES[seed % len(PURPOSES)],
        attendees=min(room.capacity, 1 + seed % 4),
        status=status,
    )
    if status == BookingStatus.CHECKED_IN:
        booking.checked_in_at, booking.checked_in_by_id = starts_at + timedelta(minutes=5), user_id
    elif status == BookingStatus.RELEASED:
        booking.released_at = starts_at + timedelta(minutes=15)
    elif status == BookingStatus.CANCELLED:
        booking.cancelled_at, booking.cancelled_by_id = starts_at - timedelta(days=1), user_id
        booking.cancel_reason = "行程调整"
    return booking
