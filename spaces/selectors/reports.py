"""The occupancy report (第四章第一条 公共空间预约使用制度; UI.md "occupancy by room type").

Definitions (docs/spaces.md, "Occupancy report", says the same for staff):

- **Weeks** are ISO weeks (Monday to Sunday) in Asia/Shanghai. A booking belongs to the week,
  and the day, in which it *starts*, with all its hours. Rooms close before midnight
  (``booking.room_types.<type>.closes``), so a booking never spans two days and this is
  exact; should a future rulebook allow overnight bookings, they would count in full in the
  week they start.
- **Available hours** of a room type in a week = the opening hours of that type in the
  rulebook version in force on each day (``closes`` − ``opens``) summed over the days of the
  week inside the chosen range, × the rooms of that type. Rooms are open every day of the
  week, weekends and public holidays included (the rulebook gives one opening time for all
  days), so every calendar day counts. The register keeps no history of when a room was taken
  out of use, so a room counts in a week when it is open for booking now, or when it holds a
  booking (other than a cancelled one) that week.
- **Used hours** = the hours of checked-in bookings. **Utilisation** = used ÷ available.
- **Lost hours** = the hours of bookings released as no-shows (not checked in
  ``no_show_release_minutes`` after the start): shown beside utilisation, never inside it.
- **Reserved hours** = confirmed bookings not (yet) checked in: upcoming ones, and ones that
  started less than the release time ago. Not used yet, so not in utilisation either.
- **No-show rate** = released ÷ (checked in + released): of the bookings whose outcome is
  known, the share nobody came to. Cancelled bookings are counted apart (cancellations).

Reads are set-based: three queries whatever the number of bookings (the rulebook versions,
the rooms, and the bookings grouped by room, ISO week and status in PostgreSQL).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DurationField, F, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community.core.errors import DomainError
from opc_community.rulebook.models import RulebookVersion
from opc_community.rulebook.schema import Rulebook
from opc_community.rulebook.selectors import rules_of
from spaces.models import Booking, BookingStatus, Room, RoomType

#: The widest range one report covers (a year of ISO weeks), so that the chart stays legible.
MAX_WEEKS = 53
#: The default range: the current ISO week and the seven before it.
DEFAULT_WEEKS = 8

HOUR = Decimal("0.1")
PERCENT = Decimal("0.1")


# --- Pure arithmetic (no database, no clock) -------------------------------------------------------


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def iso_weeks(start: date, end: date) -> list[date]:
    """The Mondays of the ISO weeks that touch ``[start, end]``."""
    first, last = monday_of(start), monday_of(end)
    return [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]


def default_range(today: date) -> tuple[date, date]:
    """The current ISO week and the seven before it, up to ``today``."""
    return monday_of(today) - timedelta(weeks=DEFAULT_WEEKS - 1), today


def hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(HOUR, rounding=ROUND_HALF_UP)


def percent(part: int, whole: int) -> Decimal | None:
    """``part ÷ whole`` in percent with one decimal; None when there is nothing to divide by."""
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(PERCENT, rounding=ROUND_HALF_UP)


def opening_minutes(rules: Rulebook | None, room_type: str) -> int:
    """Minutes a room of ``room_type`` is open on a day governed by ``rules`` (0 without rules)."""
    if rules is None:
        return 0
    hours_of_type = rules.booking.room_types[room_type]
    opens = hours_of_type.opens.hour * 60 + hours_of_type.opens.minute
    closes = hours_of_type.closes.hour * 60 + hours_of_type.closes.minute
    return closes - opens


# --- The report ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OccupancyLine:
    """The figures of one room type in one ISO week, or totals (``week``/``room_type`` None)."""

    week: date | None
    room_type: str | None
    days: int
    rooms: int
    available_minutes: int
    used_minutes: int = 0
    lost_minutes: int = 0
    reserved_minutes: int = 0
    bookings: int = 0
    checked_in: int = 0
    no_shows: int = 0
    cancellations: int = 0
    confirmed: int = 0

    @property
    def available_hours(self) -> Decimal:
        return hours(self.available_minutes)

    @property
    def used_hours(self) -> Decimal:
        return hours(self.used_minutes)

    @property
    def lost_hours(self) -> Decimal:
        return hours(self.lost_minutes)

    @property
    def reserved_hours(self) -> Decimal:
        return hours(self.reserved_minutes)

    @property
    def utilisation(self) -> Decimal | None:
        """Used ÷ available hours, in percent (None when no room was available)."""
        return percent(self.used_minutes, self.available_minutes)

    @property
    def lost_share(self) -> Decimal | None:
        """Lost (no-show) ÷ available hours, in percent."""
        return percent(self.lost_minutes, self.available_minutes)

    @property
    def no_show_rate(self) -> Decimal | None:
        """Released ÷ (checked in + released), in percent (None before any booking has an outcome)."""
        return percent(self.no_shows, self.checked_in + self.no_shows)

    @property
    def week_label(self) -> str:
        """ISO week as ``2026-W47`` (empty for totals)."""
        if self.week is None:
            return ""
        year, week, _day = self.week.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def week_ends_on(self) -> date | None:
        return None if self.week is None else self.week + timedelta(days=6)

    @property
    def room_type_label(self) -> str:
        return str(RoomType(self.room_type).label) if self.room_type else _("All room types")


@dataclass(frozen=True)
class OccupancyReport:
    start: date
    end: date
    room_types: tuple[str, ...]
    weeks: tuple[date, ...]
    lines: tuple[OccupancyLine, ...]  # week by week, room type by room type
    by_type: tuple[OccupancyLine, ...]  # each room type over the whole range
    total: OccupancyLine  # every room type over the whole range
    rules: Rulebook | None = None  # the version in force on the last day (the rule behind the figures)

    def line(self, week: date, room_type: str) -> OccupancyLine:
        return next(line for line in self.lines if line.week == week and line.room_type == room_type)

    def week_totals(self) -> list[OccupancyLine]:
        """Every room type together, week by week."""
        totals = []
        for week in self.weeks:
            lines = [line for line in self.lines if line.week == week]
            totals.append(_sum(week, None, lines[0].days if lines else 0, lines))
        return totals


def validate_range(start: date, end: date) -> None:
    if end < start:
        raise DomainError(_("The end of the period must not be before its start."), field="to")
    if len(iso_weeks(start, end)) > MAX_WEEKS:
        raise DomainError(
            _("A report covers at most %(weeks)s weeks; choose a shorter period.") % {"weeks": MAX_WEEKS},
            field="from",
        )


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def _rules_by_day(start: date, end: date) -> dict[date, Rulebook | None]:
    """The rulebook in force on each day of ``[start, end]`` (query 1: the adopted versions)."""
    versions = list(
        RulebookVersion.objects.filter(status=RulebookVersion.Status.ADOPTED, effective_from__lte=end)
        .order_by("effective_from")
    )
    by_day: dict[date, Rulebook | None] = {}
    day = start
    while day <= end:
        in_force = [version for version in versions if version.effective_from <= day]
        by_day[day] = rules_of(in_force[-1]) if in_force else None
        day += timedelta(days=1)
    return by_day


def _sum(
    week: date | None, room_type: str | None, days: int, lines: Iterable[OccupancyLine], rooms: int | None = None
) -> OccupancyLine:
    lines = list(lines)
    return OccupancyLine(
        week=week,
        room_type=room_type,
        days=days,
        rooms=rooms if rooms is not None else sum(line.rooms for line in lines),
        available_minutes=sum(line.available_minutes for line in lines),
        used_minutes=sum(line.used_minutes for line in lines),
        lost_minutes=sum(line.lost_minutes for line in lines),
        reserved_minutes=sum(line.reserved_minutes for line in lines),
        bookings=sum(line.bookings for line in lines),
        checked_in=sum(line.checked_in for line in lines),
        no_shows=sum(line.no_shows for line in lines),
        cancellations=sum(line.cancellations for line in lines),
        confirmed=sum(line.confirmed for line in lines),
    )


def occupancy_report(*, start: date, end: date, room_type: str | None = None) -> OccupancyReport:
    """Utilisation, lost hours, no-show rate and booking counts by ISO week and room type.

    ``start``/``end`` are local dates (inclusive); ``room_type`` limits the report to one type.
    Three queries, however many bookings the period holds.
    """
    validate_range(start, end)
    if room_type is not None and room_type not in RoomType.values:
        raise DomainError(_("Unknown room type."), field="room_type")
    types = (room_type,) if room_type else tuple(RoomType.values)
    weeks = iso_weeks(start, end)
    rules = _rules_by_day(start, end)  # query 1

    # Query 2: the rooms of the chosen types.
    rooms_of_type: dict[str, set[int]] = defaultdict(set)  # open for booking now
    room_type_of: dict[int, str] = {}
    for room_id, kind, is_active in Room.objects.filter(room_type__in=types).values_list(
        "id", "room_type", "is_active"
    ):
        room_type_of[room_id] = kind
        if is_active:
            rooms_of_type[kind].add(room_id)

    # Query 3: bookings starting in the period, grouped by room, local ISO week and status.
    tz = timezone.get_default_timezone()
    grouped = (
        Booking.objects.filter(
            room__room_type__in=types,
            starts_at__gte=_local_midnight(start),
            starts_at__lt=_local_midnight(end + timedelta(days=1)),
        )
        .annotate(week=TruncWeek("starts_at", tzinfo=tz))
        .order_by()
        .values("room_id", "week", "status")
        .annotate(count=Count("id"), duration=Sum(F("ends_at") - F("starts_at"), output_field=DurationField()))
    )
    counts: dict[tuple[date, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    booked_rooms: dict[tuple[date, str], set[int]] = defaultdict(set)
    for row in grouped:
        week = timezone.localtime(row["week"], tz).date()
        kind = room_type_of[row["room_id"]]
        minutes = int(row["duration"].total_seconds() // 60)
        tally = counts[(week, kind)]
        tally["bookings"] += row["count"]
        if row["status"] == BookingStatus.CHECKED_IN:
            tally["checked_in"] += row["count"]
            tally["used_minutes"] += minutes
        elif row["status"] == BookingStatus.RELEASED:
            tally["no_shows"] += row["count"]
            tally["lost_minutes"] += minutes
        elif row["status"] == BookingStatus.CONFIRMED:
            tally["confirmed"] += row["count"]
            tally["reserved_minutes"] += minutes
        elif row["status"] == BookingStatus.CANCELLED:
            tally["cancellations"] += row["count"]
        if row["status"] != BookingStatus.CANCELLED:
            booked_rooms[(week, kind)].add(row["room_id"])

    lines: list[OccupancyLine] = []
    rooms_in_range: dict[str, set[int]] = defaultdict(set)
    for week in weeks:
        days = [week + timedelta(days=n) for n in range(7) if start <= week + timedelta(days=n) <= end]
        for kind in types:
            rooms = rooms_of_type[kind] | booked_rooms[(week, kind)]
            rooms_in_range[kind] |= rooms
            per_room = sum(opening_minutes(rules[day], kind) for day in days)
            lines.append(
                OccupancyLine(
                    week=week, room_type=kind, days=len(days), rooms=len(rooms),
                    available_minutes=per_room * len(rooms), **counts[(week, kind)],
                )
            )
    range_days = (end - start).days + 1
    by_type = tuple(
        _sum(None, kind, range_days, [line for line in lines if line.room_type == kind], rooms=len(rooms_in_range[kind]))
        for kind in types
    )
    return OccupancyReport(
        start=start,
        end=end,
        room_types=types,
        weeks=tuple(weeks),
        lines=tuple(lines),
        by_type=by_type,
        total=_sum(None, None, range_days, by_type),
        rules=rules[end],
    )
