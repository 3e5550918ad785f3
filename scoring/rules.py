"""Quarterly scoring and elimination (第六章) as pure functions of the inputs and the rulebook section.

Percentages are exact: a rate is kept as a fraction and compared with the band
limits without rounding (RULEBOOK §7.1 decision); it is rounded only for display.

The same rulebook data is also compiled into SQL (the last section): the quarter run scores a
whole cohort in one statement. tests/scoring/test_rules.py runs every table of cases — the
conformance cases and the boundaries — through both and requires the same points and verdicts.

The quarterly plan (RULEBOOK §7.1, decision added 2026-12) decides what completion and revenue are
measured against: the milestones planned and the revenue target of the plan *staff accepted*.
Without an accepted plan both score 0; a results claim (milestones completed, revenue) counts only
once staff verified it, and a rejected one scores as absent (0). :func:`inputs_from` builds the
scoring inputs from the plan and the results; its filing deadline is :func:`plan_due`.
"""

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.utils.translation import gettext as _

from opc_community.rulebook.schema import (
    AwardsDimension,
    Band,
    BandedDimension,
    Elimination,
    QuarterlyPlan,
    RateDimension,
    Scoring,
)
from opc_community.workdays.rules import WorkCalendar, WorkingDay

HUNDRED = Fraction(100)

# --- The quarterly plan and the results claims (RULEBOOK §7.1, decision added 2026-12) ----------------

#: The plan status that counts (``scoring.models.PlanStatus.ACCEPTED``).
PLAN_ACCEPTED = "accepted"
#: Results statuses reviewed by staff (``scoring.models.InputStatus`` verified / corrected).
RESULTS_REVIEWED = ("verified", "corrected")
#: What became of a results claim (milestones completed, revenue) — ``scoring.models.ClaimState``.
CLAIM_VERIFIED, CLAIM_REJECTED, CLAIM_MISSING = "verified", "rejected", "missing"


@dataclass(frozen=True)
class QuarterInputs:
    """What a quarter's score is computed from (第六章第一条).

    ``milestones_planned`` and ``revenue_target`` come from the quarter's plan; completion and revenue
    score only when ``plan_accepted`` (staff accepted the plan) and their results claim is
    :data:`CLAIM_VERIFIED` — otherwise 0 (RULEBOOK §7.1, decision added 2026-12: no accepted plan →
    0; a rejected claim scores as absent; the "zero target counts as 100 %" decision holds only for a
    target staff accepted). The defaults read a plain table of numbers as an accepted plan with
    verified results.
    """

    attended: int
    expected: int
    milestones_done: int
    milestones_planned: int
    revenue: Decimal
    revenue_target: Decimal
    awards: tuple[str, ...]
    contributions: int
    plan_accepted: bool = True
    completion_claim: str = CLAIM_VERIFIED
    revenue_claim: str = CLAIM_VERIFIED


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


def _against_plan(name: str, num: Decimal | int, den: Decimal | int, dimension: RateDimension, *,
                  counts: bool) -> DimensionScore:
    """A result measured against the accepted plan; absent (no value, 0 points) when it does not count."""
    if not counts:
        return DimensionScore(name, None, None, 0, dimension.max_points)
    return _rate_dimension(name, num, den, dimension)


def score(inputs: QuarterInputs, rules: Scoring) -> ScoreCard:
    """The five dimensions of 第六章第一条 and their points; awards do not add up, the highest counts."""
    unknown = set(inputs.awards) - set(rules.awards.levels)
    if unknown:
        raise ValueError(f"unknown award levels: {sorted(unknown)}")
    award_points = max((points for level, points in rules.awards.levels.items() if level in inputs.awards), default=0)
    return ScoreCard(
        (
            _rate_dimension("participation", inputs.attended, inputs.expected, rules.participation),
            _against_plan("completion", inputs.milestones_done, inputs.milestones_planned, rules.completion,
                          counts=inputs.plan_accepted and inputs.completion_claim == CLAIM_VERIFIED),
            _against_plan("revenue", inputs.revenue, inputs.revenue_target, rules.revenue,
                          counts=inputs.plan_accepted and inputs.revenue_claim == CLAIM_VERIFIED),
            DimensionScore("awards", None, None, award_points, rules.awards.max_points),
            _banded("contributions", Fraction(inputs.contributions), rules.contributions),
        )
    )


# --- The plan and the results → the scoring inputs; the plan's deadlines (RULEBOOK §7.1, 2026-12) -------


@dataclass(frozen=True)
class PlanFacts:
    """The quarter's plan as filed: its status (``scoring.models.PlanStatus``) and numbers."""

    status: str
    milestones_planned: int
    revenue_target: Decimal


@dataclass(frozen=True)
class ResultFacts:
    """The results filed at quarter end (``scoring.models.InputStatus``) and the claims staff rejected."""

    status: str
    milestones_done: int
    revenue: Decimal
    completion_rejected: bool = False
    revenue_rejected: bool = False


def claim_state(results: ResultFacts | None, *, rejected: bool) -> str:
    """A results claim counts once staff reviewed it and did not reject it; filed but not reviewed, or
    not filed at all, it is missing."""
    if results is None or results.status not in RESULTS_REVIEWED:
        return CLAIM_MISSING
    return CLAIM_REJECTED if rejected else CLAIM_VERIFIED


def inputs_from(*, attended: int, expected: int, plan: PlanFacts | None, results: ResultFacts | None,
                awards: Sequence[str], contributions: int) -> QuarterInputs:
    """The scoring inputs of one resident from its plan and results — what the quarter run gathers in SQL
    (``scoring.services.run``): the plan's numbers only when it is accepted (else 0), the results' numbers
    once staff reviewed them (else 0); ``awards`` and ``contributions`` are the verified claims."""
    accepted_plan = plan if plan is not None and plan.status == PLAN_ACCEPTED else None
    reviewed = results if results is not None and results.status in RESULTS_REVIEWED else None
    accepted = accepted_plan is not None
    return QuarterInputs(
        attended=attended, expected=expected,
        milestones_done=reviewed.milestones_done if reviewed else 0,
        milestones_planned=accepted_plan.milestones_planned if accepted_plan else 0,
        revenue=reviewed.revenue if reviewed else Decimal(0),
        revenue_target=accepted_plan.revenue_target if accepted_plan else Decimal(0),
        awards=tuple(awards), contributions=contributions, plan_accepted=accepted,
        completion_claim=claim_state(results, rejected=bool(results and results.completion_rejected)),
        revenue_claim=claim_state(results, rejected=bool(results and results.revenue_rejected)),
    )


def plan_filing_start(quarter_first_day: date, checked_in_on: date | None) -> date:
    """The first day of the filing period: the quarter's first day, or the day of check-in if later."""
    if checked_in_on is None or checked_in_on <= quarter_first_day:
        return quarter_first_day
    return checked_in_on


def plan_due(calendar: WorkCalendar, *, quarter_first_day: date, checked_in_on: date | None,
             rules: QuarterlyPlan) -> WorkingDay:
    """The last day to file the plan (until 23:59:59 Asia/Shanghai): the ``filing_working_days``-th
    working day of the filing period. Decision: "the first 10 working days of the quarter (or of
    check-in)" count the period's first day when it is a working day — unlike "within N working days
    of an event" (RULEBOOK §2), where the event's day never counts."""
    start = plan_filing_start(quarter_first_day, checked_in_on)
    return calendar.add_working_days(start - timedelta(days=1), rules.filing_working_days)


def plan_refile_due(calendar: WorkCalendar, *, due_on: date, returned_on: date, rules: QuarterlyPlan) -> date:
    """After staff return a plan, the resident may file it again until its filing deadline or, if later,
    the end of the ``refile_working_days``-th working day after the return (RULEBOOK §2 counting), so
    that a late return never leaves the resident without time (our decision)."""
    return max(due_on, calendar.add_working_days(returned_on, rules.refile_working_days).date)


def plan_decision_due(calendar: WorkCalendar, *, asked_on: date, rules: QuarterlyPlan) -> date:
    """Staff accept or return a plan, or answer a change request, by the end of the
    ``decision_working_days``-th working day after it was filed (RULEBOOK §2 counting)."""
    return calendar.add_working_days(asked_on, rules.decision_working_days).date


def plan_reminder_due(calendar: WorkCalendar, *, today: date, due_on: date, rules: QuarterlyPlan) -> bool:
    """A resident who has not filed is reminded from ``reminder_working_days`` working days before the
    deadline to its last day (a daily job: a missed day is made up, the reminder goes once)."""
    return today <= due_on and calendar.working_days_between(today, due_on) <= rules.reminder_working_days


# --- Elimination (第六章第二条; RULEBOOK §7.4) -------------------------------------------

BELOW_FLOOR = "below_60"
BOTTOM_RATIO = "bottom_ratio"
THIRD_QUARTER_BELOW = "third_quarter_below_70"
TWO_QUARTERS_BELOW = "two_quarters_below_70"


def number_text(value: Decimal | Fraction | int) -> str:
    """78.00 → "78", 78.50 → "78.5": exact values rounded half-up to 2 decimals for reading only."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    text = f"{Decimal(value).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def bottom_percent(rules: Elimination) -> str:
    """The bottom ratio as people read it: 0.10 → "10" (percent)."""
    return number_text(rules.bottom_ratio * 100)


def reason_text(reason: str, rules: Elimination) -> str:
    """One elimination or warning reason in plain words, with the numbers of ``rules`` (第六章第二条):
    the resident's card and its PDF, the staff dashboard, the score sheet and the API say it this way."""
    floor_, threshold = number_text(rules.hard_floor), number_text(rules.warning_threshold)
    texts = {
        BELOW_FLOOR: _("total below %(floor)s points") % {"floor": floor_},
        BOTTOM_RATIO: _("in the bottom %(ratio)s%% of the quarter's ranking") % {"ratio": bottom_percent(rules)},
        THIRD_QUARTER_BELOW: _("third consecutive quarter below %(threshold)s points") % {"threshold": threshold},
        TWO_QUARTERS_BELOW: _("two consecutive quarters below %(threshold)s points") % {"threshold": threshold},
    }
    return texts.get(reason, reason)


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


# --- The same rules as SQL, for the set-based quarter run (第六章第二条) -------------------------
#
# Each function compiles rulebook data into SQL text: numbers only come from the validated
# rulebook (integers, exact fractions, the award level names of its schema), never from input.
# Comparisons are cross-multiplied in numeric, so they are as exact as the fractions above.

#: The columns :func:`card_statement` reads from its ``facts`` relation (those of :class:`QuarterInputs`).
FACT_COLUMNS = ("attended", "expected", "milestones_done", "milestones_planned", "revenue", "revenue_target",
                "award_levels", "contributions", "plan_accepted", "completion_claim", "revenue_claim")
#: The points columns it adds (and ``total``, ``award_level``).
POINT_COLUMNS = ("participation_points", "completion_points", "revenue_points", "award_points",
                 "contribution_points")


def _times(expression: str, factor: int) -> str:
    return expression if factor == 1 else f"{expression} * {factor}"


def _bands_sql(bands: Sequence[Band], scaled: str, per: str, *, when_zero: int | None = None) -> str:
    """CASE over the bands, highest first: ``scaled / per`` reaches the band's limit ⇔
    scaled × limit.denominator ≥ limit.numerator × per (> when the limit itself is excluded) — true
    for a denominator that is never negative, which the database guarantees (positive counts and the
    ``input_money_not_negative`` constraint of scoring.QuarterInput)."""
    whens = [f"WHEN {per} = 0 THEN {when_zero}"] if when_zero is not None else []
    for band in bands:
        if band.limit is None:
            return f"CASE {' '.join(whens)} ELSE {band.points} END" if whens else str(band.points)
        operator = ">=" if band.min_inclusive else ">"
        whens.append(f"WHEN {_times(scaled, band.limit.denominator)} {operator} "
                     f"{_times(per, band.limit.numerator)} THEN {band.points}")
    raise ValueError("the last band must have no lower limit")


def rate_points_sql(dimension: RateDimension, numerator: str, denominator: str) -> str:
    """The points of the rate numerator / denominator in % (a zero denominator: ``rate_when_nothing_expected``)."""
    nothing = band_for(Fraction(dimension.rate_when_nothing_expected), dimension.bands).points
    return _bands_sql(dimension.bands, f"100 * ({numerator})::numeric", f"({denominator})::numeric",
                      when_zero=nothing)


def count_points_sql(dimension: BandedDimension, count: str) -> str:
    return _bands_sql(dimension.bands, f"({count})::numeric", "1")


def highest_award_sql(awards: AwardsDimension, levels: str, *, give: str) -> str:
    """The highest level among the array ``levels`` (awards do not add up, 第六章第一条): its points
    (``give="points"``, 0 for none) or its name (``give="level"``, '' for none; between levels of equal
    points, the one the rulebook lists first)."""
    ranked = sorted(awards.levels.items(), key=lambda item: -item[1])  # stable: listed order among equals
    whens = " ".join(
        f"WHEN '{name}' = ANY({levels}) THEN " + (str(points) if give == "points" else f"'{name}'")
        for name, points in ranked
    )
    return f"CASE {whens} ELSE " + ("0" if give == "points" else "''") + " END"


def _against_plan_sql(points: str, claim: str) -> str:
    """:func:`_against_plan`: the points only with an accepted plan and a verified claim, else 0."""
    return f"CASE WHEN f.plan_accepted AND {claim} = '{CLAIM_VERIFIED}' THEN {points} ELSE 0 END"


def card_statement(rules: Scoring, facts: str) -> str:
    """A SELECT of every row of the relation ``facts`` (columns :data:`FACT_COLUMNS`) with the points of
    the five dimensions, their ``total`` and ``award_level`` (:func:`highest_award_sql`) — :func:`score` in SQL."""
    points = (
        rate_points_sql(rules.participation, "f.attended", "f.expected"),
        _against_plan_sql(rate_points_sql(rules.completion, "f.milestones_done", "f.milestones_planned"),
                          "f.completion_claim"),
        _against_plan_sql(rate_points_sql(rules.revenue, "f.revenue", "f.revenue_target"), "f.revenue_claim"),
        highest_award_sql(rules.awards, "f.award_levels", give="points"),
        count_points_sql(rules.contributions, "f.contributions"),
    )
    columns = ", ".join(f"{expression} AS {name}" for name, expression in zip(POINT_COLUMNS, points, strict=True))
    level = highest_award_sql(rules.awards, "f.award_levels", give="level")
    return (f"SELECT p.*, {' + '.join(POINT_COLUMNS)} AS total FROM "
            f"(SELECT f.*, {columns}, {level} AS award_level FROM {facts} AS f) AS p")


def _less_than(expression: str, limit: Decimal) -> str:
    exact = Fraction(limit)
    return f"{expression} * {exact.denominator} < {exact.numerator}"


def verdict_statement(rules: Elimination, cards: str, *, history: int) -> str:
    """A SELECT of every row of the relation ``cards`` — one cohort, with ``total`` and ``previous_1`` …
    ``previous_<history>``, the totals of the previous consecutive quarters, most recent first (NULL from
    the first gap on) — with ``rank``, ``streak_below_threshold``, ``outcome`` and ``reasons`` (a jsonb
    array): :func:`evaluate_cohort` in SQL."""
    threshold = rules.warning_threshold
    streak = " ".join(
        [f"WHEN NOT ({_less_than('c.total', threshold)}) THEN 0"]
        + [f"WHEN c.previous_{i} IS NULL OR NOT ({_less_than(f'c.previous_{i}', threshold)}) THEN {i}"
           for i in range(1, history + 1)]
    )
    ratio = Fraction(rules.bottom_ratio)
    ranked = (f"SELECT c.*, rank() OVER (ORDER BY c.total) AS rank, "
              f"count(*) OVER () * {ratio.numerator} / {ratio.denominator} AS bottom_size, "  # floor(N × ratio)
              f"CASE {streak} ELSE {history + 1} END AS streak_below_threshold FROM {cards} AS c")
    below_floor = _less_than("v.total", rules.hard_floor)
    in_bottom = "v.rank <= v.bottom_size"
    third = f"v.streak_below_threshold >= {rules.eliminate_after_quarters}"
    eliminated = f"({below_floor} OR {in_bottom} OR {third})"
    warned = f"v.streak_below_threshold >= {rules.warning_after_quarters}"
    reasons = (
        f"CASE WHEN {below_floor} THEN '{BELOW_FLOOR}' WHEN {in_bottom} THEN '{BOTTOM_RATIO}' END",
        f"CASE WHEN {third} THEN '{THIRD_QUARTER_BELOW}' END",
        f"CASE WHEN NOT {eliminated} AND {warned} THEN '{TWO_QUARTERS_BELOW}' END",
    )
    return (
        f"SELECT v.*, CASE WHEN {eliminated} THEN 'eliminated' WHEN {warned} THEN 'warning' ELSE 'ok' END AS outcome, "
        f"to_jsonb(array_remove(ARRAY[{', '.join(reasons)}]::text[], NULL)) AS reasons FROM ({ranked}) AS v"
    )
