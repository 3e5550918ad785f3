"""Calendar quarters as the resources reports, surveys and participation count them (pure).

A quarter is named ``2026Q4`` in URLs and the API, ``(2026, 4)`` where a year and a number are
stored (surveys), and bounded by its first and last day.
"""

import calendar
from datetime import date


def quarter_of(day: date) -> tuple[date, date]:
    """The calendar quarter holding ``day``: its first and last day."""
    last_month = 3 * ((day.month - 1) // 3) + 3
    start = date(day.year, last_month - 2, 1)
    return start, date(day.year, last_month, calendar.monthrange(day.year, last_month)[1])


def quarter_days(year: int, quarter: int) -> tuple[date, date]:
    """First and last day of quarter ``quarter`` (1–4) of ``year``."""
    if not 1 <= quarter <= 4:
        raise ValueError("quarter must be 1 to 4")
    return quarter_of(date(year, 3 * quarter - 2, 1))


def quarter_number(day: date) -> tuple[int, int]:
    """(year, quarter 1–4) of a day."""
    return day.year, (day.month - 1) // 3 + 1


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def quarter_label(start: date) -> str:
    """``2026Q4``: the quarter's short name (as the API's ``quarter`` parameter takes it)."""
    year, quarter = quarter_number(start)
    return f"{year}Q{quarter}"


def parse_quarter(text: str) -> tuple[date, date] | None:
    """``2026Q4`` (or ``2026-Q4``) → the quarter's first and last day; anything else → None."""
    cleaned = (text or "").strip().upper().replace("-", "")
    if len(cleaned) != 6 or cleaned[4] != "Q" or not cleaned[:4].isdigit() or cleaned[5] not in "1234":
        return None
    return quarter_days(int(cleaned[:4]), int(cleaned[5]))


def requested_quarter(text: str, *, today: date) -> tuple[date, date]:
    """The quarter a report was asked for (``?quarter=2026Q4``); this quarter when absent or unreadable."""
    return parse_quarter(text) or quarter_of(today)


def adjacent_labels(start: date) -> tuple[str, str]:
    """The labels of the quarters before and after the one starting on ``start``."""
    year, quarter = quarter_number(start)
    following = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return (quarter_label(quarter_days(*previous_quarter(year, quarter))[0]),
            quarter_label(quarter_days(*following)[0]))
