"""Quarterly scoring and elimination (第六章) as pure functions of the inputs and the rulebook section.

Percentages are exact: a rate is kept as a fraction and compared with the band
limits without rounding (RULEBOOK §7.1 decision); it is rounded only for display.
"""

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from opc_community.rulebook.schema import Band, BandedDimension, Elimination, RateDimension, Scoring

HUNDRED = Fraction(100)


@dataclass(frozen=True)
class QuarterInputs:
    """What a quarter's score is computed from (第六章第一条).

    ``submitted`` is False when the resident gave no quarterly data (no progress report, no
    financial statement): completion and revenue then score 0 — the "zero denominator counts
    as 100 %" decision is for a resident who declared no milestones or no target, not for
    one who declared nothing at all (our decision; 第六章第三条 数据透明).
    """

    attended: int
    expected: int
    milestones_done: int
    milestones_planned: int
    revenue: Decimal
    revenue_target: Decimal
    awards: tuple[str, ...]
    contributions: int
    submitted: bool = True


@dataclass(frozen=True)
class DimensionScore:
    dimension: str
    value: Fraction | None  # the rate in %, or the count; None for awards
    band: Band | None  # the band that applied (None for awards)
    points: int
    max_points: int

    @property
    def display_value(self) -> Decimal | None:
        """The rate or count for people to read (2 decimals for rates; the band used the exact value)."""
        if self.value is None:
            return None
        return (Decimal(self.value.numerator) / Decimal(self.value.denominator)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )


@dataclass(frozen=True)
class ScoreCard:
    dimensions: tuple[DimensionScore, ...]

    @property
    def total(self) -> int:
        return sum(d.points for d in self.dimensions)

    def points(self) -> dict[str, int]:
        return {d.dimension: d.points for d in self.dimensions}


def rate(numerator: Decimal | int, denominator: Decimal | int, *, when_nothing_expected: Decimal) -> Fraction:
    """numerator / denominator in %, exactly; a zero denominator gives ``when_nothing_expected``
    (no activity expected → full marks; zero revenue target → 100 %, RULEBOOK §7.1)."""
    if denominator == 0:
        return Fraction(when_nothing_expected)
    # Integer ratios and one normalisation (the quarter run calls this 3 × N times).
    (a, b), (c, d) = numerator.as_integer_ratio(), denominator.as_integer_ratio()
    return Fraction(100 * a * d, b * c)


def band_for(value: Fraction, bands: Sequence[Band]) -> Band:
    """The first band (highest first) whose lower limit the value reaches."""
    # Cross-multiplied integers: exact like Fraction's operators, without their generic dispatch.
    numerator, denominator = value.numerator, value.denominator
    for band in bands:
        limit = band.limit
        if limit is None:
            return band
        mine, theirs = numerator * limit.denominator, limit.numerator * denominator
        if mine > theirs or (band.min_inclusive and mine == theirs):
            return band
    raise ValueError("the last band must have no lower limit")


def _banded(name: str, value: Fraction, dimension: BandedDimension) -> DimensionScore:
    band = band_for(value, dimension.bands)
    return DimensionScore(name, value, band, band.points, dimension.max_points)


def _rate_dimension(name: str, num: Decimal | int, den: Decimal | int, dimension: RateDimension) -> DimensionScore:
    return _banded(name, rate(num, den, when_nothing_expected=dimension.rate_when_nothing_expected), dimension)


def score(inputs: QuarterInputs, rules: Scoring) -> ScoreCard:
    """The five dimensions of 第六章第一条 and their points; awards do not add up, the highest counts."""
    unknown = set(inputs.awards) - set(rules.awards.levels)
    if unknown:
        raise ValueError(f"unknown award levels: {sorted(unknown)}")
    award_points = max((rules.awards.levels[level] for level in inputs.awards), default=0)
    if inputs.submitted:
        completion = _rate_dimension("completion", inputs.milestones_done, inputs.milestones_planned, rules.completion)
        revenue = _rate_dimension("revenue", inputs.revenue, inputs.revenue_target, rules.revenue)
    else:
        completion = DimensionScore("completion", None, None, 0, rules.completion.max_points)
        revenue = DimensionScore("revenue", None, None, 0, rules.revenue.max_points)
    return ScoreCard(
        (
            _rate_dimension("participation", inputs.attended, inputs.expected, rules.participation),
            completion,
            revenue,
            DimensionScore("awards", None, None, award_points, rules.awards.max_points),
            _banded("contributions", Fraction(inputs.contributions), rules.contributions),
        )
    )


# --- Elimination (第六章第二条; RULEBOOK §7.4) -------------------------------------------

BELOW_FLOOR = "below_60"
BOTTOM_RATIO = "bottom_ratio"
THIRD_QUARTER_BELOW = "third_quarter_below_70"
TWO_QUARTERS_BELOW = "two_quarters_below_70"


@dataclass(frozen=True)
class Verdict:
    outcome: str  # "eliminated" | "warning" | "ok"
    reasons: tuple[str, ...]
    rank: int
    streak_below_threshold: int


def competition_ranks(totals: Mapping[Hashable, Decimal | int]) -> dict[Hashable, int]:
    """Ascending standard competition ranking ("1224"): rank = 1 + number of lower totals."""
    ordered = sorted(totals.values())
    ranks: dict[Decimal | int, int] = {}
    for position, value in enumerate(ordered, start=1):
        ranks.setdefault(value, position)
    return {key: ranks[value] for key, value in totals.items()}


def bottom_group_size(cohort_size: int, ratio: Decimal) -> int:
    """k = floor(N × ratio): N < 10 gives 0 at 10 % (RULEBOOK §7.4 decision)."""
    return int(Fraction(cohort_size) * Fraction(ratio))


def evaluate_cohort(
    totals: Mapping[Hashable, Decimal | int],
    history: Mapping[Hashable, Sequence[Decimal | int]],
    rules: Elimination,
) -> dict[Hashable, Verdict]:
    """Elimination over everyone scored in the quarter.

    ``history`` holds each resident's previous consecutive quarters' totals, oldest
    first (a gap in residence breaks the sequence: the caller passes only consecutive ones).
    a. total < floor → eliminated; b. total ≥ floor and rank ≤ k → eliminated;
    c. below the threshold for ``eliminate_after_quarters`` quarters in a row → eliminated,
    for ``warning_after_quarters`` → warning list; a quarter at or above it clears the warning.
    """
    ranks = competition_ranks(totals)
    k = bottom_group_size(len(totals), rules.bottom_ratio)
    verdicts: dict[Hashable, Verdict] = {}
    for key, total in totals.items():
        streak = 0
        for value in (*history.get(key, ()), total)[::-1]:
            if value >= rules.warning_threshold:
                break
            streak += 1
        reasons: list[str] = []
        if total < rules.hard_floor:
            reasons.append(BELOW_FLOOR)
        elif ranks[key] <= k:
            reasons.append(BOTTOM_RATIO)
        if streak >= rules.eliminate_after_quarters:
            reasons.append(THIRD_QUARTER_BELOW)
        if reasons:
            verdicts[key] = Verdict("eliminated", tuple(reasons), ranks[key], streak)
        elif streak >= rules.warning_after_quarters:
            verdicts[key] = Verdict("warning", (TWO_QUARTERS_BELOW,), ranks[key], streak)
        else:
            verdicts[key] = Verdict("ok", (), ranks[key], streak)
    return verdicts
