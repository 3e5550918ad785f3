"""Pure rules of emergency plans, supplies and drills (第七章第四条); no database, no clock."""

from datetime import date, datetime, timedelta
from typing import Any


def supply_expiry_state(*, expires_on: date | None, today: date, warning_days: int) -> str | None:
    """"expired" from the expiry day on (a supply may not be relied on the day it expires), "expiring" within
    ``warning_days`` before it, otherwise None (also without an expiry date)."""
    if expires_on is None:
        return None
    if today >= expires_on:
        return "expired"
    if today >= expires_on - timedelta(days=warning_days):
        return "expiring"
    return None


def next_version(current: int | None) -> int:
    """The version number of a plan published after ``current`` (1 for the first plan of a kind)."""
    return 1 if current is None else current + 1


def drills_short(*, held: int, planned: int, minimum: int) -> tuple[int, int]:
    """(still to hold this year, still to plan this year) against the yearly minimum: drills held count,
    drills planned but not yet held count towards the plan only."""
    return max(minimum - held, 0), max(minimum - held - planned, 0)


def next_drill(starts: list[tuple[datetime, Any]], *, now: datetime) -> Any:
    """The payload of the first drill starting after ``now`` (``starts``: (start, payload)), or None."""
    upcoming = sorted((item for item in starts if item[0] > now), key=lambda item: item[0])
    return upcoming[0][1] if upcoming else None
