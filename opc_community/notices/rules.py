"""Pure rules of the notice board: when a publication leaves the public board.

RULEBOOK §10 (decisions added 2026-12): a penalty or score publication leaves the public
board ``publication.public_retention_days`` (30) days after its window closes, and stays in
the staff archive. Counted in calendar days from the window's last day D (Asia/Shanghai):
the publication is shown up to and including day D + 30 and is gone from 00:00 of day
D + 31. Every other kind (procedures, policies, rule revisions, rewards…) stays.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from statistics import median
from typing import Literal

from opc_community.notices.models import PublicationKind
from opc_community.workdays.rules import SHANGHAI, local_date

#: The kinds that concern a person's penalty or score (RULEBOOK §10, decisions added 2026-12).
LEAVE_THE_BOARD = frozenset({PublicationKind.PENALTY_DECISION, PublicationKind.QUARTERLY_SCORES})


def leaves_board_at(*, kind: str, window_ends_at: datetime, retention_days: int) -> datetime | None:
    """The first instant a publication is no longer on the public board — 00:00 Asia/Shanghai of
    day D + ``retention_days`` + 1 — or None: it stays."""
    if kind not in LEAVE_THE_BOARD:
        return None
    gone_on = local_date(window_ends_at) + timedelta(days=retention_days + 1)
    return datetime.combine(gone_on, time.min, tzinfo=SHANGHAI)


@dataclass(frozen=True)
class PublicationTable:
    """Results published as a table (quarterly scores: one row per resident, by public name)."""

    columns: Sequence[str]
    rows: Sequence[Sequence[str]]


# --- The service-quality page (服务公示, 第四章第四条 2) ---------------------------------------------

#: How a figure is written: a share in %, working days, an average answer, a count.
Unit = Literal["percent", "working_days", "score", "count"]
ONE_PLACE = Decimal("0.1")


@dataclass(frozen=True)
class ServiceFigure:
    """One measure month by month: ``values[i]`` belongs to the page's ``months[i]``; None: nothing to
    measure that month (no complaint filed, no survey closed…)."""

    label: str
    unit: Unit
    values: Sequence[Decimal | int | None]
    #: Drawn in the section's chart (shares in % share one axis).
    charted: bool = False


@dataclass(frozen=True)
class ServiceSection:
    """A block of the page (complaints, reviews, rooms…): its rule in plain words with the article,
    and its figures. ``order`` places it on the page."""

    key: str
    order: int
    title: str
    rule: str
    figures: Sequence[ServiceFigure]


def month_starts(today: date, count: int) -> list[date]:
    """The first days of the last ``count`` calendar months, oldest first, this month last."""
    months = [today.replace(day=1)]
    while len(months) < count:
        months.insert(0, (months[0] - timedelta(days=1)).replace(day=1))
    return months


def month_of(day: date, months: Sequence[date]) -> int | None:
    """The index of ``day``'s month among ``months`` (None: outside them)."""
    first = day.replace(day=1)
    return months.index(first) if first in months else None


def share(met: int, missed: int) -> Decimal | None:
    """Met ÷ (met + missed) in % with one decimal; None when nothing was measured."""
    measured = met + missed
    if not measured:
        return None
    return (Decimal(met) * 100 / measured).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def median_of(values: Sequence[int]) -> Decimal | None:
    """The median (one decimal), None for no values."""
    if not values:
        return None
    return Decimal(str(median(values))).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)
