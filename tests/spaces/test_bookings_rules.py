"""The pure booking rules (第四章第一条), table-driven at every boundary; no database, no clock.

The room-type rules here are written out in the test (opens 08:00, closes 22:00, at most 240
minutes, 30 days ahead, 30 minutes' notice, a 30-minute grid), independent of the seed data.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from opc_community.rulebook.schema import RoomTypeRules
from spaces.rules import bookings as rules

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 16, 8, 0, tzinfo=TZ)  # Monday 08:00
TODAY = NOW.date()
MEETING = RoomTypeRules(opens=time(8), closes=time(22), max_minutes=240, horizon_days=30, min_notice_minutes=30)


def at(day: date | int, clock: str, seconds: int = 0) -> datetime:
    """``at(1, "09:00")``: tomorrow 09:00; a date works too."""
    day = TODAY + timedelta(days=day) if isinstance(day, int) else day
    hours, minutes = (int(part) for part in clock.split(":"))
    return datetime.combine(day, time(hours, minutes, seconds), tzinfo=TZ)


def problems(starts_at: datetime, ends_at: datetime, *, now: datetime = NOW, room_rules=MEETING, slot: int = 30):
    found = rules.slot_problems(
        starts_at=starts_at, ends_at=ends_at, room_rules=room_rules, slot_minutes=slot, now=now, tz=TZ
    )
    return sorted((problem.field, problem.code) for problem in found)


S, E = "starts_at", "ends_at"


@pytest.mark.parametrize(
    ("case", "starts_at", "ends_at", "expected"),
    [
        # Happy paths, each at a boundary
        ("one hour tomorrow", at(1, "09:00"), at(1, "10:00"), []),
        ("starts at opening time", at(1, "08:00"), at(1, "09:00"), []),
        ("ends exactly at closing time", at(1, "20:00"), at(1, "22:00"), []),
        ("one slot, the last of the day", at(1, "21:30"), at(1, "22:00"), []),
        ("exactly the maximum length", at(1, "09:00"), at(1, "13:00"), []),
        ("exactly the minimum notice", at(0, "08:30"), at(0, "09:00"), []),
        ("on the last day of the horizon", at(30, "21:00"), at(30, "22:00"), []),
        # Order
        ("end before start", at(1, "10:00"), at(1, "09:00"), [(E, rules.END_BEFORE_START)]),
        ("end equal to start", at(1, "10:00"), at(1, "10:00"), [(E, rules.END_BEFORE_START)]),
        # Grid
        ("start off the grid", at(1, "09:15"), at(1, "10:00"), [(S, rules.UNALIGNED)]),
        ("end off the grid", at(1, "09:00"), at(1, "09:45"), [(E, rules.UNALIGNED)]),
        ("seconds off the grid", at(1, "09:00", 30), at(1, "10:00"), [(S, rules.UNALIGNED)]),
        # Opening hours
        ("starts half an hour before opening", at(1, "07:30"), at(1, "08:30"), [(S, rules.BEFORE_OPENING)]),
        ("ends half an hour after closing", at(1, "21:30"), at(1, "22:30"), [(E, rules.AFTER_CLOSING)]),
        ("starts at closing time", at(1, "22:00"), at(1, "22:30"), [(E, rules.AFTER_CLOSING), (S, rules.AFTER_CLOSING)]),
        ("across midnight", at(1, "21:00"), at(2, "00:00"), [(E, rules.ACROSS_MIDNIGHT)]),
        # Length
        ("one slot over the maximum", at(1, "09:00"), at(1, "13:30"), [(E, rules.TOO_LONG)]),
        # Past and notice
        ("yesterday", at(-1, "10:00"), at(-1, "11:00"), [(S, rules.IN_PAST)]),
        ("starts now: not past, but no notice", at(0, "08:00"), at(0, "09:00"), [(S, rules.SHORT_NOTICE)]),
        # Horizon
        ("the day after the horizon", at(31, "08:00"), at(31, "09:00"), [(S, rules.TOO_FAR_AHEAD)]),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_slot_rules(case, starts_at, ends_at, expected):
    assert problems(starts_at, ends_at) == expected


@pytest.mark.parametrize(
    ("now", "start", "expected"),
    [
        (at(0, "08:00"), at(0, "08:30"), []),  # exactly 30 minutes
        (at(0, "08:01"), at(0, "08:30"), [(S, rules.SHORT_NOTICE)]),  # 29 minutes
        (at(0, "08:29", 59), at(0, "08:30"), [(S, rules.SHORT_NOTICE)]),  # one second
        (at(0, "08:30", 1), at(0, "08:30"), [(S, rules.IN_PAST)]),  # one second late: past, not "notice"
    ],
)
def test_minimum_notice_boundary(now, start, expected):
    assert problems(start, start + timedelta(minutes=30), now=now) == expected


@pytest.mark.parametrize(
    ("now", "day_offset", "expected"),
    [
        # The horizon counts calendar days from today in Shanghai, whatever the hour.
        (at(0, "00:00"), 30, []),
        (at(0, "23:59"), 30, []),
        (at(0, "23:59"), 31, [(S, rules.TOO_FAR_AHEAD)]),
        # 00:30 in Shanghai is still the previous day in UTC: the local day counts.
        (at(1, "00:30"), 31, []),
    ],
)
def test_horizon_counts_local_days(now, day_offset, expected):
    start = at(day_offset, "10:00")
    assert problems(start, start + timedelta(hours=1), now=now) == expected


def test_times_in_utc_are_judged_in_local_time():
    # 01:00 UTC is 09:00 in Shanghai: fine; 14:00 UTC is 22:00 in Shanghai: closing time.
    utc = ZoneInfo("UTC")
    tomorrow = TODAY + timedelta(days=1)
    assert problems(datetime.combine(tomorrow, time(1), utc), datetime.combine(tomorrow, time(2), utc)) == []
    assert problems(datetime.combine(tomorrow, time(14), utc), datetime.combine(tomorrow, time(15), utc)) == [
        (E, rules.AFTER_CLOSING), (S, rules.AFTER_CLOSING)]
    # 15:00–16:00 UTC is 23:00–00:00 in Shanghai: closed, and across midnight.
    assert problems(datetime.combine(tomorrow, time(15), utc), datetime.combine(tomorrow, time(16), utc)) == [
        (E, rules.ACROSS_MIDNIGHT), (S, rules.AFTER_CLOSING)]


def test_problems_carry_the_numbers_their_message_names():
    found = rules.slot_problems(
        starts_at=at(31, "07:00"), ends_at=at(31, "12:00"), room_rules=MEETING, slot_minutes=30, now=NOW, tz=TZ
    )
    by_code = {problem.code: problem.params for problem in found}
    assert by_code[rules.BEFORE_OPENING] == {"opens": time(8), "closes": time(22)}
    assert by_code[rules.TOO_LONG] == {"max_minutes": 240}
    assert by_code[rules.TOO_FAR_AHEAD] == {"days": 30, "last_day": TODAY + timedelta(days=30)}


def test_a_fifteen_minute_grid_accepts_quarter_hours():
    assert problems(at(1, "09:15"), at(1, "09:45"), slot=15) == []


@pytest.mark.parametrize(
    ("attendees", "capacity", "expected"),
    [(1, 8, []), (8, 8, []), (9, 8, [("attendees", rules.OVER_CAPACITY)]), (0, 8, [("attendees", rules.NO_ATTENDEES)])],
)
def test_attendees(attendees, capacity, expected):
    found = rules.attendee_problems(attendees=attendees, capacity=capacity)
    assert [(problem.field, problem.code) for problem in found] == expected


@pytest.mark.parametrize(
    ("room_type", "minutes", "expected"),
    [
        ("roadshow_hall", 180, []),  # exactly the 3 hours a credit covers
        ("roadshow_hall", 30, []),
        ("roadshow_hall", 210, [rules.CREDIT_TOO_LONG]),
        ("meeting_room", 60, [rules.CREDIT_WRONG_ROOM]),
        ("negotiation_room", 60, [rules.CREDIT_WRONG_ROOM]),
    ],
)
def test_credit_use(room_type, minutes, expected):
    start = at(1, "09:00")
    found = rules.credit_problems(
        room_type=room_type, starts_at=start, ends_at=start + timedelta(minutes=minutes), max_hours=3
    )
    assert [problem.code for problem in found] == expected
    assert all(problem.field == "use_credit" for problem in found)


START, END = at(1, "09:00"), at(1, "11:00")


@pytest.mark.parametrize(
    ("now", "by_staff", "allowed"),
    [
        (at(1, "08:44"), False, False),  # 16 minutes early
        (at(1, "08:45"), False, True),  # the window opens 15 minutes before the start
        (at(1, "09:14"), False, True),
        (at(1, "09:15"), False, False),  # release time: too late for the resident
        (at(1, "09:15"), True, True),  # staff confirm someone is in the room until the end
        (at(1, "10:59"), True, True),
        (at(1, "11:00"), True, False),
        (at(1, "08:44"), True, False),
    ],
)
def test_check_in_window(now, by_staff, allowed):
    assert rules.may_check_in(
        starts_at=START, ends_at=END, release_minutes=15, by_staff=by_staff, now=now
    ) is allowed


def test_a_booking_shorter_than_the_release_time_closes_check_in_at_its_end():
    assert rules.check_in_window(
        starts_at=START, ends_at=START + timedelta(minutes=10), release_minutes=15, by_staff=False
    ) == (START - timedelta(minutes=15), START + timedelta(minutes=10))


@pytest.mark.parametrize(
    ("now", "by_staff", "allowed"),
    [
        (at(1, "08:00"), False, True),
        (at(1, "09:14"), False, True),  # after the start, before the release time: free the room
        (at(1, "09:15"), False, False),
        (at(1, "10:00"), True, True),
    ],
)
def test_cancelling(now, by_staff, allowed):
    assert rules.may_cancel(starts_at=START, release_minutes=15, by_staff=by_staff, now=now) is allowed


@pytest.mark.parametrize(
    ("now", "allowed"), [(at(1, "08:59"), True), (at(1, "09:00"), False)]
)
def test_changing_until_the_start(now, allowed):
    assert rules.may_change(starts_at=START, now=now) is allowed


def test_release_time():
    assert rules.release_at(START, release_minutes=15) == at(1, "09:15")


@pytest.mark.parametrize(
    ("opens", "closes", "slot", "first", "last", "count"),
    [
        (time(8), time(22), 30, "08:00", "21:30", 28),
        (time(8, 15), time(9, 30), 30, "08:30", "09:00", 2),  # off-grid opening starts at the next slot
        (time(9), time(9, 45), 30, "09:00", "09:00", 1),  # a partial last slot is left out
    ],
)
def test_day_grid(opens, closes, slot, first, last, count):
    day = TODAY + timedelta(days=1)
    grid = rules.day_slots(day=day, opens=opens, closes=closes, slot_minutes=slot, tz=TZ)
    assert len(grid) == count
    assert grid[0][0] == at(1, first) and grid[-1][0] == at(1, last)
    assert all(end - start == timedelta(minutes=slot) for start, end in grid)


# --- The next free time after a taken slot ---------------------------------------------------------


def _grid(day_start, states):
    """(start, end, free) half-hour slots from ``day_start``, "F" free, "x" not."""
    return [(day_start + timedelta(minutes=30 * i), day_start + timedelta(minutes=30 * (i + 1)), state == "F")
            for i, state in enumerate(states)]


@pytest.mark.parametrize(
    ("states", "not_before", "minutes", "expected"),
    [
        ("FFxxFFF", 0, 60, (0, 2)),  # right away
        ("FxFFxFF", 0, 60, (2, 4)),  # a single free slot is too short
        ("FFxxFFF", 1, 60, (4, 6)),  # not before the refused start
        ("FFxxFFF", 0, 120, None),  # no run long enough
        ("xxxx", 0, 30, None),
    ],
)
def test_the_first_free_run_of_the_same_length(states, not_before, minutes, expected):
    start = datetime(2026, 11, 17, 9, tzinfo=TZ)
    slots = _grid(start, states)
    found = rules.first_free_run(slots, not_before=start + timedelta(minutes=30 * not_before), minutes=minutes)
    if expected is None:
        assert found is None
    else:
        assert found == (start + timedelta(minutes=30 * expected[0]), start + timedelta(minutes=30 * expected[1]))


def test_a_free_run_never_spans_a_gap_between_days():
    evening = datetime(2026, 11, 17, 21, 30, tzinfo=TZ)
    morning = datetime(2026, 11, 18, 8, tzinfo=TZ)
    slots = [*_grid(evening, "F"), *_grid(morning, "FF")]
    assert rules.first_free_run(slots, not_before=evening, minutes=60) == (morning, morning + timedelta(hours=1))
