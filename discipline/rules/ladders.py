"""The automatic ladders' bands and plan (第八章第二条, rows 7 and 1b; RULEBOOK §9), pure: the bands of a
day-counted kind read from the rulebook's penalty table, and the cases a run must make sure exist for
given overdue rows. ``discipline.services.ladders`` reads the rows and opens the cases (see its
docstring for the decisions: skipped bands, which invoices, one forced exit at a time…).
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from discipline.rules import Facts, Outcome, decide
from opc_community.rulebook.rules import measure_text
from opc_community.rulebook.schema import Condition, Violations

#: The two automatic ladders: name (first part of the source key) → violation kind of the penalty table.
FEES, EXIT = "fees", "exit"
LADDER_KINDS = {FEES: "7", EXIT: "1b"}


# --- The bands, from the rule data (pure) ------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """A band of a measure-based ladder: from day ``start`` until the next band's start."""

    start: int
    outcome: Outcome

    @property
    def code(self) -> str:
        """The band's part of the source key: "d8" = the band reached on the 8th day."""
        return f"d{self.start}"

    @property
    def has_fine(self) -> bool:
        return any(measure.type == "fine" for measure in self.outcome.measures)

    @property
    def has_forced_exit(self) -> bool:
        return any(measure.type == "forced_exit" for measure in self.outcome.measures)


def _first_day(condition: Condition) -> int | None:
    """The first whole day a step's measure condition admits (``≥ 8`` → 8, ``> 7`` → 8)."""
    if condition.measure_at_least is not None:
        return max(1, math.ceil(condition.measure_at_least))
    if condition.measure_above is not None:
        return max(1, math.floor(condition.measure_above) + 1)
    return None


def ladder_bands(kind: str, violations: Violations) -> tuple[Band, ...]:
    """The bands of a day-counted ladder, mildest first.

    The candidate first days are read from the kind's steps; the outcome of each is what
    ``rules.decide`` gives for that many days (so the table itself is never re-implemented
    here), and days giving the same outcome as the band before belong to it.
    """
    steps = violations.kinds[kind].steps
    starts = sorted({day for step in steps if (day := _first_day(step.when)) is not None})
    bands: list[Band] = []
    for start in starts:
        outcome = decide(Facts(kind, measure=Decimal(start)), violations)
        if outcome.is_none or (bands and bands[-1].outcome == outcome):
            continue
        bands.append(Band(start=start, outcome=outcome))
    return tuple(bands)


def band_for(days: int, bands: Iterable[Band]) -> Band | None:
    """The band ``days`` falls in (None before the first band, e.g. 0 days)."""
    reached = [band for band in bands if band.start <= days]
    return reached[-1] if reached else None


def next_band(days: int, bands: Iterable[Band]) -> Band | None:
    """The first band an item ``days`` into its ladder has not reached yet (None past the last)."""
    return next((band for band in bands if band.start > days), None)


def overdue_text(days: int, bands: Iterable[Band]) -> str:
    """What a resident reads next to an overdue item: the days it is overdue and the next rung of the ladder
    in the rulebook's words ("逾期 11 天，第 16 天起暂停资源使用权限，直至结清"; 第八章第二条 7)."""
    overdue = ngettext("%(days)s day overdue", "%(days)s days overdue", days) % {"days": days}
    coming = next_band(days, bands)
    if coming is None:
        return overdue
    return _("%(overdue)s; from day %(day)s: %(measures)s") % {
        "overdue": overdue, "day": coming.start,
        "measures": "、".join(measure_text(measure) for measure in coming.outcome.measures),
    }


def bands_to_open(days: int, bands: tuple[Band, ...]) -> tuple[Band, ...]:
    """The bands an item ``days`` into its ladder must have a case for (decision 1 above):
    the band reached, and every earlier band carrying a fine. Mildest first."""
    current = band_for(days, bands)
    if current is None:
        return ()
    return tuple(band for band in bands if band.start < current.start and band.has_fine) + (current,)


# --- Planning a run (pure, given the rows) ---------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One case a run must make sure exists: a band of one invoice or one exit."""

    ladder: str
    subject_id: int
    band: Band
    occurred_on: date
    resident: Any
    subject: Any  # the Invoice or the Exit row

    @property
    def kind(self) -> str:
        return LADDER_KINDS[self.ladder]

    @property
    def source_key(self) -> str:
        return f"{self.ladder}:{self.subject_id}:{self.band.code}"


def plan_fees(invoices: Iterable[Any], bands: tuple[Band, ...]) -> list[Step]:
    """Steps for overdue invoices (rows with ``days_overdue``, ``due_on`` and ``resident``)."""
    return [
        Step(FEES, invoice.pk, band, invoice.due_on + timedelta(days=band.start), invoice.resident, invoice)
        for invoice in invoices
        for band in bands_to_open(invoice.days_overdue, bands)
    ]


def plan_exits(exits: Iterable[Any], bands: tuple[Band, ...]) -> list[Step]:
    """Steps for overdue exits (rows with ``days_after_grace``, ``grace_ends_on`` and ``resident``)."""
    return [
        Step(EXIT, exit.pk, band, exit.grace_ends_on + timedelta(days=band.start), exit.resident, exit)
        for exit in exits
        for band in bands_to_open(exit.days_after_grace, bands)
    ]
