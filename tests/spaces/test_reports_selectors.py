"""The occupancy report's figures (spaces.selectors.reports): a hand-made fortnight, its boundaries,
and a fixed number of queries however many bookings there are.

Rulebook v1 (seeded, in force from 2026-04-01): every room type open 08:00–22:00 = 14 hours a day.
The fortnight: ISO week 46 (Mon 9 – Sun 15 November 2026) and week 47 (16–22 November), empty.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from opc_community.core.errors import DomainError
from spaces.models import Booking, BookingStatus, Room, RoomType
from spaces.selectors import reports
from tests.residents.factories import ResidentFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
W46, W47 = date(2026, 11, 9), date(2026, 11, 16)
MEETING, ROADSHOW, NEGOTIATION = RoomType.MEETING_ROOM, RoomType.ROADSHOW_HALL, RoomType.NEGOTIATION_ROOM


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A Shanghai wall-clock time in November 2026."""
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def book(room: Room, resident, starts_at: datetime, minutes: int, status: str = BookingStatus.CHECKED_IN) -> Booking:
    """A booking as the services would have left it (arranged in the ORM; the report only reads)."""
    return Booking.objects.create(
        room=room, resident=resident, booked_by=resident.user, starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes), purpose="项目讨论", status=status,
    )


@pytest.fixture
def rooms(db):
    return {
        "m1": Room.objects.create(code="M1", name="会议室一", room_type=MEETING, floor="3", capacity=8),
        "m2": Room.objects.create(code="M2", name="会议室二", room_type=MEETING, floor="3", capacity=12),
        "hall": Room.objects.create(code="H1", name="路演厅", room_type=ROADSHOW, floor="1", capacity=80),
        # No negotiation room at all: that type has no available hours.
    }


@pytest.fixture
def fortnight(rooms):
    resident = ResidentFactory()
    m1, m2, hall = rooms["m1"], rooms["m2"], rooms["hall"]
    book(m1, resident, at(9, 9), 120)  # Mon: 2 h used
    book(m2, resident, at(10, 14), 60)  # Tue: 1 h used
    book(m1, resident, at(11, 10), 30, BookingStatus.RELEASED)  # Wed: 0.5 h lost (no-show)
    book(m1, resident, at(12, 9), 60, BookingStatus.CANCELLED)  # Thu: cancelled, no hours
    book(m2, resident, at(15, 21), 60)  # Sun 21:00–22:00: the last open hour of the week
    # Sunday 23:30 → Monday 00:30 (only the ORM can make it; the rulebook closes rooms at 22:00):
    # it counts in full in the week it starts.
    book(m1, resident, at(15, 23, 30), 60)
    book(hall, resident, at(13, 14), 120, BookingStatus.RELEASED)  # Fri: 2 h lost
    book(hall, resident, at(14, 9), 180)  # Sat: 3 h used (weekends count)
    return resident


def test_a_hand_made_fortnight(fortnight):
    # Given the fortnight; when the report covers weeks 46 and 47
    report = reports.occupancy_report(start=W46, end=date(2026, 11, 22))

    # then the weeks and room types are all there, empty ones included
    assert report.weeks == (W46, W47)
    assert report.room_types == (MEETING, ROADSHOW, NEGOTIATION)
    assert len(report.lines) == 6

    meeting = report.line(W46, MEETING)
    assert (meeting.days, meeting.rooms) == (7, 2)
    assert meeting.available_hours == Decimal("196.0")  # 2 rooms × 7 days × 14 h
    assert meeting.used_hours == Decimal("5.0")  # 2 + 1 + 1 + 1 (the one across midnight in full)
    assert meeting.utilisation == Decimal("2.6")  # 5 ÷ 196 = 2.55 %
    assert meeting.lost_hours == Decimal("0.5")
    assert (meeting.bookings, meeting.checked_in, meeting.no_shows, meeting.cancellations) == (6, 4, 1, 1)
    assert meeting.no_show_rate == Decimal("20.0")  # 1 ÷ (4 + 1)

    hall = report.line(W46, ROADSHOW)
    assert hall.available_hours == Decimal("98.0")
    assert hall.used_hours == Decimal("3.0")
    assert hall.utilisation == Decimal("3.1")  # 3 ÷ 98
    assert hall.lost_hours == Decimal("2.0")
    assert hall.no_show_rate == Decimal("50.0")

    # A type with no rooms: nothing available, no rate to show (not 0 %).
    negotiation = report.line(W46, NEGOTIATION)
    assert (negotiation.rooms, negotiation.available_minutes) == (0, 0)
    assert negotiation.utilisation is None and negotiation.no_show_rate is None

    # The empty week: rooms were open, nobody used them (0 %), no booking had an outcome (no rate).
    empty = report.line(W47, MEETING)
    assert empty.available_hours == Decimal("196.0")
    assert empty.utilisation == Decimal("0.0")
    assert empty.no_show_rate is None
    assert empty.bookings == 0

    # Totals per type and overall add the weeks up.
    by_type = {line.room_type: line for line in report.by_type}
    assert by_type[MEETING].available_hours == Decimal("392.0")
    assert by_type[MEETING].utilisation == Decimal("1.3")  # 5 ÷ 392
    assert by_type[MEETING].rooms == 2
    assert report.total.available_hours == Decimal("588.0")  # (2 + 1 rooms) × 14 days × 14 h
    assert report.total.used_hours == Decimal("8.0")
    assert report.total.no_show_rate == Decimal("28.6")  # 2 ÷ (5 + 2)
    assert report.total.days == 14
    week_totals = report.week_totals()
    assert [total.used_hours for total in week_totals] == [Decimal("8.0"), Decimal("0.0")]


def test_confirmed_bookings_are_reserved_not_used(rooms):
    resident = ResidentFactory()
    book(rooms["m1"], resident, at(18, 10), 90, BookingStatus.CONFIRMED)

    line = reports.occupancy_report(start=W47, end=date(2026, 11, 22)).line(W47, MEETING)

    assert line.reserved_hours == Decimal("1.5")
    assert (line.used_minutes, line.confirmed, line.bookings) == (0, 1, 1)
    assert line.utilisation == Decimal("0.0")
    assert line.no_show_rate is None  # its outcome is not known yet


def test_a_partial_week_counts_only_the_days_in_the_range(fortnight):
    # From Wednesday 11th: Mon and Tue bookings are outside, and so are their opening hours.
    line = reports.occupancy_report(start=date(2026, 11, 11), end=date(2026, 11, 15)).line(W46, MEETING)

    assert line.days == 5
    assert line.available_hours == Decimal("140.0")  # 2 rooms × 5 days × 14 h
    assert line.used_hours == Decimal("2.0")  # Sunday's two
    assert line.bookings == 4


@pytest.mark.parametrize(
    ("starts_at", "week"),
    [
        (at(15, 23, 59), W46),  # Sunday 23:59 in Shanghai: still week 46
        (at(16, 0, 0), W47),  # Monday 00:00 in Shanghai (Sunday 16:00 UTC): week 47
        (at(16, 7, 0), W47),  # Monday 07:00 in Shanghai is still Sunday in UTC: weeks are local
    ],
)
def test_weeks_are_shanghai_weeks(rooms, starts_at, week):
    book(rooms["m1"], ResidentFactory(), starts_at, 30)

    report = reports.occupancy_report(start=W46, end=date(2026, 11, 22), room_type=MEETING)

    assert report.line(week, MEETING).bookings == 1
    assert sum(line.bookings for line in report.lines) == 1


def test_a_room_out_of_use_counts_only_in_weeks_it_was_booked(rooms):
    rooms["hall"].is_active = False
    rooms["hall"].save()
    book(rooms["hall"], ResidentFactory(), at(10, 9), 60)

    report = reports.occupancy_report(start=W46, end=date(2026, 11, 22), room_type=ROADSHOW)

    assert report.line(W46, ROADSHOW).rooms == 1
    assert report.line(W47, ROADSHOW).rooms == 0
    assert report.room_types == (ROADSHOW,)


def test_opening_hours_follow_the_rulebook_in_force(rooms):
    # Opening hours come from the rulebook, never from a number in the code.
    from opc_community import rulebook

    booking = rulebook.in_force(on=W46).booking
    minutes = reports.opening_minutes(rulebook.in_force(on=W46), MEETING)
    opens, closes = booking.room_types[MEETING].opens, booking.room_types[MEETING].closes
    assert minutes == (closes.hour * 60 + closes.minute) - (opens.hour * 60 + opens.minute)
    # Before the first version was in force, no hours are available.
    assert reports.opening_minutes(None, MEETING) == 0
    early = reports.occupancy_report(start=date(2026, 3, 30), end=date(2026, 4, 5), room_type=MEETING)
    assert early.lines[0].days == 7
    assert early.lines[0].available_hours == Decimal(2 * 5 * minutes) / 60  # 1–5 April only


def _many_bookings(rooms, count: int) -> None:
    resident = ResidentFactory()
    statuses = [BookingStatus.CHECKED_IN, BookingStatus.RELEASED, BookingStatus.CANCELLED, BookingStatus.CONFIRMED]
    for n in range(count):
        room = (rooms["m1"], rooms["m2"], rooms["hall"])[n % 3]
        book(room, resident, at(9 + n % 14, 8) + timedelta(minutes=30 * (n // 14)), 30, statuses[n % 4])


@pytest.mark.parametrize("count", [1, 30])
def test_the_report_takes_three_queries_whatever_the_number_of_bookings(rooms, django_assert_num_queries, count):
    _many_bookings(rooms, count)
    # 1. the adopted rulebook versions; 2. the rooms; 3. the bookings grouped by room, week, status
    with django_assert_num_queries(3):
        report = reports.occupancy_report(start=W46, end=date(2026, 11, 22))
    assert report.total.bookings == count


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (date(2026, 11, 22), date(2026, 11, 9), "to"),  # end before start
        (date(2025, 1, 1), date(2026, 11, 22), "from"),  # more than 53 weeks
    ],
)
def test_a_bad_period_is_refused(db, start, end, field):
    with pytest.raises(DomainError) as refused:
        reports.occupancy_report(start=start, end=end)
    assert refused.value.field == field


def test_an_unknown_room_type_is_refused(db):
    with pytest.raises(DomainError):
        reports.occupancy_report(start=W46, end=W47, room_type="café")


# --- Pure helpers, at their boundaries --------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "mondays"),
    [
        (date(2026, 11, 9), date(2026, 11, 9), [W46]),  # one day
        (date(2026, 11, 15), date(2026, 11, 16), [W46, W47]),  # Sunday to Monday: two weeks
        (date(2026, 11, 10), date(2026, 11, 22), [W46, W47]),
        (date(2026, 12, 28), date(2027, 1, 3), [date(2026, 12, 28)]),  # ISO 2026-W53 across New Year
    ],
)
def test_iso_weeks(start, end, mondays):
    assert reports.iso_weeks(start, end) == mondays


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [(0, 0, None), (0, 10, Decimal("0.0")), (1, 3, Decimal("33.3")), (2, 3, Decimal("66.7")), (5, 5, Decimal("100.0"))],
)
def test_percent(part, whole, expected):
    assert reports.percent(part, whole) == expected


def test_default_range_is_the_current_week_and_the_seven_before():
    start, end = reports.default_range(date(2026, 11, 18))  # a Wednesday
    assert (start, end) == (date(2026, 9, 28), date(2026, 11, 18))
    assert len(reports.iso_weeks(start, end)) == 8
