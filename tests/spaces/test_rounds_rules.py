"""Pure rules of the cleaning and closing rounds (第四章第一条 3、4): tables of boundary cases."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from opc_community.rulebook.schema import CleaningArea, Rounds
from spaces.rules import rounds as rules

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 16)
LOBBY = CleaningArea(name="大堂", cleanings_per_day=2, disinfection_every_days=1)
HALL = CleaningArea(name="路演厅", cleanings_per_day=1, disinfection_every_days=7)
ROUNDS = Rounds(cleaning_areas={"lobby": LOBBY, "hall": HALL}, closing_round_from=time(18, 0))


@pytest.mark.parametrize(("cleanings", "done", "missed"), [(0, 0, True), (1, 1, True), (2, 2, False), (5, 2, False)])
def test_cleanings_count_up_to_the_number_due(cleanings, done, missed):
    line = rules.area_schedule(code="lobby", area=LOBBY, day=DAY, cleanings=cleanings, last_disinfection=DAY)[0]
    assert (line.kind, line.expected, line.done, line.missed) == ("cleaning", 2, done, missed)


@pytest.mark.parametrize(("area", "last", "missed"), [
    (LOBBY, None, True),
    (LOBBY, DAY, False),
    (LOBBY, date(2026, 11, 15), True),  # daily: yesterday's does not count today
    (HALL, date(2026, 11, 10), False),  # every 7 days: the window is 10–16 November
    (HALL, date(2026, 11, 9), True),
    (HALL, date(2026, 11, 17), True),  # a later one does not count for an earlier day
])
def test_a_disinfection_is_due_once_within_its_window(area, last, missed):
    line = rules.area_schedule(code="x", area=area, day=DAY, cleanings=9, last_disinfection=last)[1]
    assert line.kind == "disinfection" and line.missed is missed


def test_the_day_schedule_lists_every_area_in_order_then_the_closing_round():
    lines = rules.day_schedule(day=DAY, rounds=ROUNDS, cleanings={"lobby": 2}, last_disinfections={"lobby": DAY},
                               closing_done=False)
    assert [(line.kind, line.area) for line in lines] == [
        ("cleaning", "lobby"), ("disinfection", "lobby"), ("cleaning", "hall"), ("disinfection", "hall"),
        ("closing", "")]
    assert [(line.kind, line.area, line.left) for line in rules.missed(lines)] == [
        ("cleaning", "hall", 1), ("disinfection", "hall", 1), ("closing", "", 1)]


@pytest.mark.parametrize(("clock", "open_"), [(time(17, 59), False), (time(18, 0), True), (time(23, 59), True),
                                              (time(0, 30), False)])
def test_the_closing_round_is_recorded_from_its_time(clock, open_):
    assert rules.closing_round_open(at=datetime.combine(DAY, clock, tzinfo=SH), rounds=ROUNDS) is open_


def test_the_job_checks_the_day_before():
    assert rules.day_to_check(date(2026, 12, 1)) == date(2026, 11, 30)
