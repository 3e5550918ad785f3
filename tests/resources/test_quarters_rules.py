"""Calendar quarters (resources.rules.quarters): bounds, names and neighbours at every edge of a year."""

from datetime import date

import pytest

from resources.rules import quarters


@pytest.mark.parametrize(
    ("day", "start", "end", "number"),
    [
        (date(2026, 1, 1), date(2026, 1, 1), date(2026, 3, 31), (2026, 1)),
        (date(2026, 3, 31), date(2026, 1, 1), date(2026, 3, 31), (2026, 1)),
        (date(2026, 4, 1), date(2026, 4, 1), date(2026, 6, 30), (2026, 2)),
        (date(2026, 9, 30), date(2026, 7, 1), date(2026, 9, 30), (2026, 3)),
        (date(2026, 10, 1), date(2026, 10, 1), date(2026, 12, 31), (2026, 4)),
        (date(2026, 12, 31), date(2026, 10, 1), date(2026, 12, 31), (2026, 4)),
        (date(2028, 2, 29), date(2028, 1, 1), date(2028, 3, 31), (2028, 1)),
    ],
)
def test_quarter_of_and_its_number(day, start, end, number):
    assert quarters.quarter_of(day) == (start, end)
    assert quarters.quarter_number(day) == number
    assert quarters.quarter_days(*number) == (start, end)


@pytest.mark.parametrize("quarter", [0, 5])
def test_quarter_days_refuses_a_quarter_outside_1_to_4(quarter):
    with pytest.raises(ValueError):
        quarters.quarter_days(2026, quarter)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026Q4", (date(2026, 10, 1), date(2026, 12, 31))),
        ("2026-q1", (date(2026, 1, 1), date(2026, 3, 31))),
        (" 2027Q2 ", (date(2027, 4, 1), date(2027, 6, 30))),
        ("2026Q5", None),
        ("2026Q0", None),
        ("26Q1", None),
        ("", None),
        ("abcdQ1", None),
    ],
)
def test_parse_quarter(text, expected):
    assert quarters.parse_quarter(text) == expected


def test_a_report_without_a_readable_quarter_shows_this_quarter():
    today = date(2026, 12, 7)
    assert quarters.requested_quarter("2026Q2", today=today) == (date(2026, 4, 1), date(2026, 6, 30))
    assert quarters.requested_quarter("2026Q9", today=today) == (date(2026, 10, 1), date(2026, 12, 31))
    assert quarters.requested_quarter("", today=today) == (date(2026, 10, 1), date(2026, 12, 31))


@pytest.mark.parametrize(
    ("start", "label", "previous", "following"),
    [
        (date(2026, 10, 1), "2026Q4", "2026Q3", "2027Q1"),
        (date(2026, 1, 1), "2026Q1", "2025Q4", "2026Q2"),
        (date(2026, 7, 1), "2026Q3", "2026Q2", "2026Q4"),
    ],
)
def test_labels_and_neighbours(start, label, previous, following):
    assert quarters.quarter_label(start) == label
    assert quarters.adjacent_labels(start) == (previous, following)


def test_previous_quarter_crosses_the_year():
    assert quarters.previous_quarter(2026, 1) == (2025, 4)
    assert quarters.previous_quarter(2026, 3) == (2026, 2)
