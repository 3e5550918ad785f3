"""Pure rules of activities: registration, check-in window, walk-ins, activity data, "expected",
quarters, codes, the participation bands — every boundary, no database."""

from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from opc_community.rulebook.schema import Band
from resources.rules import activities as rules
from resources.rules.activities import Problem, Refusal, Window
from tests.resources.support import ENDS, STARTS, sh

SH = ZoneInfo("Asia/Shanghai")
SECOND = timedelta(seconds=1)


# --- Registration ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "cancelled", "taken", "capacity", "expected"),
    [
        (STARTS - SECOND, False, 29, 30, None),  # the last place, a second before the start
        (STARTS - SECOND, False, 30, 30, Refusal.FULL),  # every place taken
        (STARTS - SECOND, False, 31, 30, Refusal.FULL),  # (capacity lowered below the registrations)
        (STARTS, False, 0, 30, Refusal.STARTED),  # registration closes at the start
        (STARTS + SECOND, False, 0, 30, Refusal.STARTED),
        (STARTS - SECOND, True, 0, 30, Refusal.CANCELLED),  # cancelled beats everything
        (STARTS + SECOND, True, 30, 30, Refusal.CANCELLED),
        (STARTS - SECOND, False, 0, 1, None),
    ],
)
def test_registration_refusal(now, cancelled, taken, capacity, expected):
    assert rules.registration_refusal(
        starts_at=STARTS, cancelled=cancelled, taken=taken, capacity=capacity, now=now
    ) == expected


@pytest.mark.parametrize(
    ("now", "cancelled", "expected"),
    [
        (STARTS - SECOND, False, None),
        (STARTS, False, Refusal.STARTED),
        (STARTS - SECOND, True, Refusal.CANCELLED),
    ],
)
def test_unregistration_refusal(now, cancelled, expected):
    assert rules.unregistration_refusal(starts_at=STARTS, cancelled=cancelled, now=now) == expected


@pytest.mark.parametrize(("capacity", "taken", "left"), [(30, 0, 30), (30, 29, 1), (30, 30, 0), (30, 31, 0)])
def test_places_left_never_negative(capacity, taken, left):
    assert rules.places_left(capacity=capacity, taken=taken) == left


# --- Check-in window: [start − 30 min, end) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "cancelled", "window"),
    [
        (STARTS - timedelta(minutes=30) - SECOND, False, Window.NOT_YET),
        (STARTS - timedelta(minutes=30), False, Window.OPEN),  # opens exactly 30 minutes before
        (STARTS, False, Window.OPEN),
        (ENDS - SECOND, False, Window.OPEN),
        (ENDS, False, Window.OVER),  # closes at the end
        (ENDS + timedelta(days=1), False, Window.OVER),
        (STARTS, True, Window.CANCELLED),
    ],
)
def test_checkin_window(now, cancelled, window):
    assert rules.checkin_window(starts_at=STARTS, ends_at=ENDS, cancelled=cancelled, now=now) == window


def test_checkin_opens_thirty_minutes_before_the_start():
    assert rules.checkin_opens_at(STARTS) == sh(2026, 10, 14, 13, 30)


@pytest.mark.parametrize(("holding", "expected"), [(0, None), (29, None), (30, Refusal.FULL), (31, Refusal.FULL)])
def test_walk_ins_only_while_a_place_is_free(holding, expected):
    assert rules.walk_in_refusal(capacity=30, holding_a_place=holding) == expected


# --- Activity data -------------------------------------------------------------------------------------------


def _problems(**overrides):
    data = {
        "title": "路演", "place": "路演厅", "starts_at": STARTS, "ends_at": ENDS, "capacity": 10, "registered": 0,
        "now": STARTS - timedelta(days=1),
    }
    return rules.activity_problems(**{**data, **overrides})


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, []),
        ({"title": "  "}, [Problem.NO_TITLE]),
        ({"place": ""}, [Problem.NO_PLACE]),
        ({"ends_at": STARTS}, [Problem.END_BEFORE_START]),  # zero length
        ({"ends_at": STARTS - SECOND}, [Problem.END_BEFORE_START]),
        ({"ends_at": STARTS + SECOND}, []),
        ({"now": STARTS}, [Problem.IN_PAST]),  # starting now is already too late
        ({"now": STARTS - SECOND}, []),
        ({"now": STARTS + SECOND, "original_starts_at": STARTS}, []),  # a started activity keeps its start
        ({"now": STARTS - SECOND, "original_starts_at": STARTS}, []),
        ({"now": STARTS + SECOND, "original_starts_at": STARTS, "starts_at": STARTS + SECOND * 60,
          "ends_at": ENDS}, [Problem.STARTED]),  # …and cannot move it, even into the future
        ({"now": STARTS - SECOND * 60, "original_starts_at": STARTS, "starts_at": STARTS - SECOND * 120},
         [Problem.IN_PAST]),
        ({"capacity": 0}, [Problem.NO_CAPACITY]),
        ({"capacity": None}, [Problem.NO_CAPACITY]),
        ({"capacity": 5, "registered": 5}, []),
        ({"capacity": 4, "registered": 5}, [Problem.BELOW_REGISTERED]),
        ({"title": "", "place": "", "capacity": 0}, [Problem.NO_TITLE, Problem.NO_PLACE, Problem.NO_CAPACITY]),
    ],
)
def test_activity_problems(overrides, expected):
    assert _problems(**overrides) == expected


def test_every_problem_names_a_field():
    assert set(rules.PROBLEM_FIELDS) == set(Problem)


# --- Expected (RULEBOOK §6 decision) ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, True),
        ({"counts_for_attendance": False}, False),
        ({"cancelled": True}, False),
        ({"checked_in_at": None}, False),  # never checked in
        ({"checked_in_at": STARTS}, True),  # checked in at the very start
        ({"checked_in_at": STARTS + SECOND}, False),  # checked in after the start
        ({"exited_on": date(2026, 10, 14)}, True),  # exited on the activity's day
        ({"exited_on": date(2026, 10, 13)}, False),  # exited the day before
        # An activity at 00:30 on 10-15 in Shanghai is 16:30 UTC on 10-14: the local day counts.
        ({"starts_at": sh(2026, 10, 15, 0, 30), "exited_on": date(2026, 10, 14)}, False),
        ({"starts_at": sh(2026, 10, 14, 23, 59), "exited_on": date(2026, 10, 14)}, True),
    ],
)
def test_is_expected(overrides, expected):
    data = {
        "counts_for_attendance": True, "cancelled": False, "starts_at": STARTS,
        "checked_in_at": sh(2026, 4, 1, 9), "exited_on": None, "tz": SH,
    }
    assert rules.is_expected(**{**data, **overrides}) is expected


# --- Quarters ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attended", "expected", "percent"),
    [(0, 0, None), (0, 3, Decimal("0.0")), (2, 3, Decimal("66.7")), (3, 3, Decimal("100.0")), (4, 5, Decimal("80.0"))],
)
def test_participation_percent(attended, expected, percent):
    assert rules.participation_percent(attended=attended, expected=expected) == percent


# --- Codes --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("12.34.1790000000:sig", (12, 34, 1790000000, "12.34.1790000000:sig")),
        ("  12.34.1790000000:sig\n", (12, 34, 1790000000, "12.34.1790000000:sig")),  # a scanner's Enter
        ("https://opc.example.cn/portal/resources/staff/check-in/?code=12.34.1790000000%3Asig",
         (12, 34, 1790000000, "12.34.1790000000:sig")),
        ("/portal/resources/staff/check-in/?code=1.2.3:x", (1, 2, 3, "1.2.3:x")),
        ("https://opc.example.cn/portal/?other=1", None),
        ("12.34.1790000000", None),  # no signature
        ("12.34:sig", None),
        ("12.x.1790000000:sig", None),
        ("-1.2.3:sig", None),
        ("1.2.3:", None),
        ("", None),
        ("1234567890123.2.3:sig", None),  # absurdly long numbers
    ],
)
def test_parse_code(text, parts):
    parsed = rules.parse_code(text)
    if parts is None:
        assert parsed is None
    else:
        assert (parsed.activity_id, parsed.resident_id, parsed.expires, parsed.signed) == parts


def test_code_value_is_what_parse_code_reads_back():
    value = rules.code_value(activity_id=7, resident_id=8, expires=9)
    parsed = rules.parse_code(f"{value}:signature")
    assert (parsed.activity_id, parsed.resident_id, parsed.expires) == (7, 8, 9)


# --- The participation bands in words ---------------------------------------------------------------------------------


def test_band_lines_read_the_rulebook_bands():
    bands = (
        Band(min=Decimal("80"), min_inclusive=False, points=10),
        Band(min=Decimal("60"), min_inclusive=True, points=5),
        Band(min=None, points=0),
    )
    assert rules.band_lines(bands) == [(">80%", 10), ("60%–80%", 5), ("<60%", 0)]


def test_band_lines_with_an_inclusive_top_band():
    bands = (Band(min=Decimal("100"), points=25), Band(min=Decimal("80.5"), points=20), Band(min=None, points=0))
    assert rules.band_lines(bands) == [("≥100%", 25), ("80.5%–100%", 20), ("<80.5%", 0)]
