"""Pure rules of the cleaning and closing rounds (第四章第一条 3、4): what a day's schedule asks of the
daily team, what was missed, when the closing round may be recorded. Numbers come from
``rulebook.rounds`` (passed in); the boundary tables are in tests/spaces/test_rounds_rules.py.
Decisions: docs/spaces.md ("Cleaning and closing rounds").
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from opc_community.rulebook.schema import CleaningArea, Rounds

CLEANING = "cleaning"
DISINFECTION = "disinfection"
CLOSING = "closing"


@dataclass(frozen=True)
class Due:
    """One line of a day's schedule: ``expected`` rounds of ``kind`` in ``area`` ("" for the closing
    round), ``done`` of them logged (never counted above ``expected``)."""

    kind: str
    area: str
    expected: int
    done: int

    @property
    def missed(self) -> bool:
        return self.done < self.expected

    @property
    def left(self) -> int:
        return self.expected - self.done


def disinfection_window_start(*, day: date, area: CleaningArea) -> date:
    """The first day of the window ending on ``day`` within which one disinfection is due
    (``disinfection_every_days`` days, ``day`` included)."""
    return day - timedelta(days=area.disinfection_every_days - 1)


def area_schedule(*, code: str, area: CleaningArea, day: date, cleanings: int, last_disinfection: date | None) -> list[Due]:
    """An area's cleanings due on ``day`` and its disinfection due within the window ending on ``day``."""
    disinfected = last_disinfection is not None and (
        disinfection_window_start(day=day, area=area) <= last_disinfection <= day)
    return [
        Due(CLEANING, code, area.cleanings_per_day, min(cleanings, area.cleanings_per_day)),
        Due(DISINFECTION, code, 1, 1 if disinfected else 0),
    ]


def day_schedule(
    *, day: date, rounds: Rounds, cleanings: Mapping[str, int], last_disinfections: Mapping[str, date | None],
    closing_done: bool,
) -> list[Due]:
    """Every round due on ``day``: each area's cleanings and disinfection (in the rulebook's order),
    then the closing round. ``cleanings`` counts the day's cleanings by area; ``last_disinfections``
    is each area's latest disinfection on or before ``day``."""
    lines: list[Due] = []
    for code, area in rounds.cleaning_areas.items():
        lines += area_schedule(code=code, area=area, day=day, cleanings=cleanings.get(code, 0),
                               last_disinfection=last_disinfections.get(code))
    lines.append(Due(CLOSING, "", 1, 1 if closing_done else 0))
    return lines


def missed(schedule: list[Due]) -> list[Due]:
    return [line for line in schedule if line.missed]


def closing_round_open(*, at: datetime, rounds: Rounds) -> bool:
    """The closing round of a day is recorded from ``closing_round_from`` (local time) on that day."""
    return at.time() >= rounds.closing_round_from


def day_to_check(today: date) -> date:
    """The daily job checks the day before: it is complete (its closing round was due that evening)."""
    return today - timedelta(days=1)

