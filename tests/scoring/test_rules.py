"""第六章: scoring bands and elimination, from the rulebook in force — conformance cases and boundaries.

Every table runs through both implementations of the rules: the pure functions (``python``) and
the SQL the quarter run executes (``sql``, evaluated by PostgreSQL); both must give the same. The
quarterly plan's conditions (RULEBOOK §7.1, decision added 2026-12: no accepted plan → 0, a rejected
or unverified claim → 0) are in the tables and in the generated inputs; the whole run on stored plans
and results is held to the same cases in tests/scoring/test_run.py.
"""

import json
import random
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from django.db import connection
from django.utils import translation

from opc_community.rulebook.validation import parse_body
from scoring.rules import (
    BELOW_FLOOR,
    BOTTOM_RATIO,
    CLAIM_MISSING,
    CLAIM_REJECTED,
    CLAIM_VERIFIED,
    FACT_COLUMNS,
    POINT_COLUMNS,
    THIRD_QUARTER_BELOW,
    TWO_QUARTERS_BELOW,
    PlanFacts,
    QuarterInputs,
    ResultFacts,
    band_for,
    bottom_group_size,
    card_statement,
    competition_ranks,
    inputs_from,
    number_text,
    rate,
    reason_text,
    verdict_statement,
)
from scoring.rules import evaluate_cohort as evaluate_in_python
from scoring.rules import score as score_in_python
from tests.spec import case_id, cases

RULES = parse_body(
    json.loads((Path(__file__).resolve().parents[2] / "opc_community/rulebook/seed/v1.json").read_text("utf-8"))
)


@dataclass(frozen=True)
class SqlCard:
    """The points the SQL gives, read like :class:`scoring.rules.ScoreCard`."""

    by_dimension: dict[str, int]
    total: int

    def points(self) -> dict[str, int]:
        return self.by_dimension


#: The dimension each points column of the SQL belongs to (``ScoreCard.points()`` keys).
DIMENSION_OF = dict(zip(POINT_COLUMNS, ("participation", "completion", "revenue", "awards", "contributions"),
                        strict=True))
FACT_TYPES = ("integer", "integer", "integer", "integer", "numeric", "numeric", "text[]", "integer", "boolean", "text",
              "text")


def scores_in_sql(many: list[QuarterInputs], rules) -> list[SqlCard]:
    """The SQL's points for each of ``many``, in one statement over a VALUES list."""
    row = "(" + ", ".join(["%s::integer"] + [f"%s::{kind}" for kind in FACT_TYPES]) + ")"
    facts = f"(SELECT * FROM (VALUES {', '.join([row] * len(many))}) AS facts(position, {', '.join(FACT_COLUMNS)}))"
    params = []
    for position, inputs in enumerate(many):
        params += [position, inputs.attended, inputs.expected, inputs.milestones_done, inputs.milestones_planned,
                   inputs.revenue, inputs.revenue_target, list(inputs.awards), inputs.contributions,
                   inputs.plan_accepted, inputs.completion_claim, inputs.revenue_claim]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(POINT_COLUMNS)}, total FROM ({card_statement(rules, facts)}) AS card ORDER BY position",
            params,
        )
        return [SqlCard({DIMENSION_OF[name]: value for name, value in zip(POINT_COLUMNS, points, strict=True)}, total)
                for *points, total in cursor.fetchall()]


def score_in_sql(inputs: QuarterInputs, rules) -> SqlCard:
    return scores_in_sql([inputs], rules)[0]


@dataclass(frozen=True)
class SqlVerdict:
    outcome: str
    reasons: tuple[str, ...]
    rank: int
    streak_below_threshold: int


def evaluate_in_sql(totals, history, rules) -> dict:
    keys = list(totals)
    depth = max((len(history.get(key, ())) for key in keys), default=0)
    rows, params = [], []
    for key in keys:
        previous = list(history.get(key, ()))[::-1]  # most recent first, then NULL
        rows.append("(" + ", ".join(["%s::text", "%s::numeric"] + ["%s::numeric"] * depth) + ")")
        params += [str(key), totals[key], *previous, *[None] * (depth - len(previous))]
    columns = ", ".join(["key", "total"] + [f"previous_{i}" for i in range(1, depth + 1)])
    cohort = f"(SELECT * FROM (VALUES {', '.join(rows)}) AS cohort({columns}))"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT key, outcome, reasons, rank, streak_below_threshold FROM "
            f"({verdict_statement(rules, cohort, history=depth)}) AS verdict",
            params,
        )
        # jsonb arrives as text through Django's cursor
        found = {key: SqlVerdict(outcome, tuple(json.loads(reasons)), rank, streak)
                 for key, outcome, reasons, rank, streak in cursor.fetchall()}
    return {key: found[str(key)] for key in keys}


ENGINES = [pytest.param("python", id="python"), pytest.param("sql", id="sql", marks=pytest.mark.django_db)]


@pytest.fixture(params=ENGINES)
def score(request):
    """``score(inputs, rules)`` of one implementation."""
    return SCORERS[request.param]


@pytest.fixture(params=ENGINES)
def evaluate_cohort(request):
    """``evaluate_cohort(totals, history, rules)`` of one implementation."""
    return EVALUATORS[request.param]


SCORERS = {"python": score_in_python, "sql": score_in_sql}
EVALUATORS = {"python": evaluate_in_python, "sql": evaluate_in_sql}


def _inputs(case: dict) -> QuarterInputs:
    return QuarterInputs(
        attended=case["attended"], expected=case["expected"],
        milestones_done=case["milestones_done"], milestones_planned=case["milestones_planned"],
        revenue=Decimal(case["revenue"]), revenue_target=Decimal(case["revenue_target"]),
        awards=tuple(case["awards"]), contributions=case["contributions"],
    )


@pytest.mark.parametrize("case", cases("scoring"), ids=case_id)
def test_conformance_scoring(case, score):
    card = score(_inputs(case), RULES.scoring)
    assert card.points() == case["points"]
    assert card.total == case["total"]


@pytest.mark.parametrize(
    ("attended", "expected", "points"),
    [
        (81, 100, 10), (80, 100, 5), (4, 5, 5),  # exactly 80 % is the lower band (第六章第一条 "含 80%")
        (801, 1000, 10), (7999, 10000, 5),  # 80.1 % / 79.99 %
        (60, 100, 5), (599, 1000, 0), (0, 3, 0),
        (0, 0, 10),  # nothing expected → full marks
        (2, 3, 5),  # 66.67 %: exact fraction, no rounding
    ],
)
def test_participation_bands(attended, expected, points, score):
    card = score(QuarterInputs(attended, expected, 1, 1, Decimal(1), Decimal(1), (), 0), RULES.scoring)
    assert card.points()["participation"] == points


@pytest.mark.parametrize(
    ("done", "planned", "points"),
    [(5, 5, 25), (6, 5, 25), (99, 100, 20), (4, 5, 20), (79, 100, 15), (3, 5, 15), (59, 100, 0), (0, 0, 25)],
)
def test_completion_bands_boundaries_belong_to_the_higher_band(done, planned, points, score):
    card = score(QuarterInputs(1, 1, done, planned, Decimal(1), Decimal(1), (), 0), RULES.scoring)
    assert card.points()["completion"] == points


@pytest.mark.parametrize(
    ("revenue", "target", "points"),
    [
        ("100000", "100000", 30), ("99999.99", "100000", 24), ("80000", "100000", 24),
        ("79999.99", "100000", 18), ("80000.01", "100000", 24), ("60000", "100000", 18),
        ("59999.99", "100000", 0), ("0", "0", 30), ("5", "0", 30),
    ],
)
def test_revenue_bands(revenue, target, points, score):
    card = score(QuarterInputs(1, 1, 1, 1, Decimal(revenue), Decimal(target), (), 0), RULES.scoring)
    assert card.points()["revenue"] == points


@pytest.mark.parametrize(
    ("awards", "points"),
    [((), 0), (("municipal",), 5), (("industry_municipal",), 5), (("industry_provincial",), 10),
     (("municipal", "provincial"), 10), (("national", "municipal"), 15)],
)
def test_awards_take_the_highest_level(awards, points, score):
    card = score(QuarterInputs(1, 1, 1, 1, Decimal(1), Decimal(1), awards, 0), RULES.scoring)
    assert card.points()["awards"] == points


@pytest.mark.parametrize(("count", "points"), [(0, 0), (1, 10), (2, 15), (3, 20), (7, 20)])
def test_contribution_bands(count, points, score):
    card = score(QuarterInputs(1, 1, 1, 1, Decimal(1), Decimal(1), (), count), RULES.scoring)
    assert card.points()["contributions"] == points


def test_unknown_award_level_is_refused():
    with pytest.raises(ValueError):
        score_in_python(QuarterInputs(1, 1, 1, 1, Decimal(1), Decimal(1), ("galactic",), 0), RULES.scoring)


def test_rates_are_exact_and_displayed_rounded():
    assert rate(2, 3, when_nothing_expected=Decimal(100)) == Fraction(200, 3)
    card = score_in_python(QuarterInputs(2, 3, 1, 1, Decimal(1), Decimal(1), (), 0), RULES.scoring)
    assert card.dimensions[0].display_value == Decimal("66.67")


def test_band_for_needs_a_catch_all_band():
    with pytest.raises(ValueError):
        band_for(Fraction(1), RULES.scoring.participation.bands[:1])


# --- elimination ---------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("elimination"), ids=case_id)
def test_conformance_elimination(case, evaluate_cohort):
    verdicts = evaluate_cohort(
        {k: Decimal(v) for k, v in case["totals"].items()},
        {k: [Decimal(v) for v in hist] for k, hist in case["history_oldest_first"].items()},
        RULES.elimination,
    )
    listed = {k: v for k, v in verdicts.items() if v.outcome != "ok"}
    assert {k: {"outcome": v.outcome, "reasons": list(v.reasons)} for k, v in listed.items()} == case["expected"]


@pytest.mark.parametrize(("n", "k"), [(9, 0), (10, 1), (19, 1), (20, 2), (29, 2), (30, 3), (0, 0)])
def test_bottom_group_size_is_floor_of_n_times_ratio(n, k):
    assert bottom_group_size(n, Decimal("0.10")) == k


def test_competition_ranking_shares_the_lowest_rank():
    assert competition_ranks({"a": 60, "b": 64, "c": 64, "d": 70}) == {"a": 1, "b": 2, "c": 2, "d": 4}


@pytest.mark.parametrize(
    ("total", "history", "outcome"),
    [
        (Decimal("59.99"), [], "eliminated"),  # below the floor
        (Decimal(60), [], "ok"),
        (Decimal(69), [Decimal(69)], "warning"),  # two quarters below 70
        (Decimal(70), [Decimal(50), Decimal(60)], "ok"),  # a quarter at 70 clears the warning
        (Decimal(69), [Decimal(69), Decimal(69)], "eliminated"),  # third quarter below 70
        (Decimal(69), [Decimal(69), Decimal(75), Decimal(69)], "warning"),  # the 75 broke the streak
    ],
)
def test_thresholds_in_a_small_cohort_without_a_bottom_group(total, history, outcome, evaluate_cohort):
    verdicts = evaluate_cohort({"x": total}, {"x": history}, RULES.elimination)
    assert verdicts["x"].outcome == outcome


def test_nothing_submitted_scores_no_completion_and_no_revenue(score):
    card = score(QuarterInputs(1, 1, 0, 0, Decimal(0), Decimal(0), (), 0, completion_claim=CLAIM_MISSING,
                               revenue_claim=CLAIM_MISSING), RULES.scoring)
    assert (card.points()["completion"], card.points()["revenue"], card.total) == (0, 0, 10)


# --- The quarterly plan (RULEBOOK §7.1, decision added 2026-12) --------------------------------------


def _plan_case_inputs(case: dict) -> QuarterInputs:
    """A conformance case of ``quarterly_plan`` as the run would gather it: its plan ("none" = never filed)
    and its results, reviewed by staff (a claim the case marks "rejected" rejected)."""
    plan = None if case["plan"] == "none" else PlanFacts(
        case["plan"], case["milestones_planned"] or 0, Decimal(case["revenue_target"] or 0))
    results = ResultFacts("verified", case["milestones_done"], Decimal(case["revenue"]),
                          completion_rejected=case.get("milestones_claim") == "rejected",
                          revenue_rejected=case.get("revenue_claim") == "rejected")
    return inputs_from(attended=1, expected=1, plan=plan, results=results, awards=(), contributions=0)


@pytest.mark.parametrize("case", cases("quarterly_plan"), ids=case_id)
def test_conformance_quarterly_plan(case, score):
    card = score(_plan_case_inputs(case), RULES.scoring)
    assert {key: card.points()[key] for key in case["points"]} == case["points"]


@pytest.mark.parametrize(
    ("plan", "completion", "revenue", "points"),
    [
        # (plan status, completion claim, revenue claim) → (completion, revenue) for 4/4 done, 0 of a 0 target
        ("accepted", CLAIM_VERIFIED, CLAIM_VERIFIED, (25, 30)),  # a zero target accepted counts as 100 %
        ("submitted", CLAIM_VERIFIED, CLAIM_VERIFIED, (0, 0)),  # awaiting staff is not accepted
        ("draft", CLAIM_VERIFIED, CLAIM_VERIFIED, (0, 0)),
        ("returned", CLAIM_VERIFIED, CLAIM_VERIFIED, (0, 0)),
        (None, CLAIM_VERIFIED, CLAIM_VERIFIED, (0, 0)),  # the all-zero submission no longer escapes the line
        ("accepted", CLAIM_REJECTED, CLAIM_VERIFIED, (0, 30)),
        ("accepted", CLAIM_VERIFIED, CLAIM_REJECTED, (25, 0)),  # rejected: absent, not "0 of 0 = 100 %"
        ("accepted", CLAIM_MISSING, CLAIM_MISSING, (0, 0)),
    ],
)
def test_only_an_accepted_plan_and_verified_claims_score(plan, completion, revenue, points, score):
    inputs = inputs_from(
        attended=0, expected=0, awards=(), contributions=0,
        plan=PlanFacts(plan, 4, Decimal(0)) if plan else None,
        results=ResultFacts("verified", 4, Decimal(0), completion_rejected=completion == CLAIM_REJECTED,
                            revenue_rejected=revenue == CLAIM_REJECTED) if completion != CLAIM_MISSING else None,
    )
    card = score(inputs, RULES.scoring)
    assert (card.points()["completion"], card.points()["revenue"]) == points
    assert card.total == 10 + sum(points)  # nothing expected: full participation


@pytest.mark.parametrize(("status", "claim"), [("draft", CLAIM_MISSING), ("submitted", CLAIM_MISSING),
                                               ("verified", CLAIM_VERIFIED), ("corrected", CLAIM_VERIFIED)])
def test_results_count_once_staff_reviewed_them(status, claim):
    inputs = inputs_from(attended=0, expected=0, plan=PlanFacts("accepted", 4, Decimal(1)), awards=(),
                         contributions=0, results=ResultFacts(status, 4, Decimal(1)))
    assert (inputs.completion_claim, inputs.revenue_claim) == (claim, claim)
    assert (inputs.milestones_done, inputs.revenue) == ((4, Decimal(1)) if claim == CLAIM_VERIFIED else (0, 0))


def test_the_status_values_of_the_models_are_those_of_the_rules():
    from scoring import rules
    from scoring.models import ClaimState, InputStatus, PlanStatus

    assert PlanStatus.ACCEPTED == rules.PLAN_ACCEPTED
    assert set(rules.RESULTS_REVIEWED) == {InputStatus.VERIFIED, InputStatus.CORRECTED}
    assert set(ClaimState.values) == {CLAIM_VERIFIED, CLAIM_REJECTED, CLAIM_MISSING}


# --- the two implementations agree beyond the tables ------------------------------------


def _generated_inputs(count: int, seed: int) -> list[QuarterInputs]:
    """Inputs drawn around every band limit (exact limits, one unit either side) and at random."""
    generator = random.Random(seed)
    levels = list(RULES.scoring.awards.levels)
    many = []
    for _ in range(count):
        expected = generator.choice([0, 1, 3, 5, 10, 12, 100])
        planned = generator.choice([0, 1, 3, 5, 7, 100])
        target = Decimal(generator.choice([0, 1, 3, 100000, 123456]))
        many.append(QuarterInputs(
            attended=generator.randint(0, expected),
            expected=expected,
            milestones_done=generator.randint(0, planned + 1),
            milestones_planned=planned,
            revenue=(target * Decimal(generator.choice([0, 59, 60, 61, 79, 80, 81, 99, 100, 150])) / 100
                     + Decimal(generator.choice(["-0.01", "0", "0", "0.01"]))).max(Decimal(0)),
            revenue_target=target,
            awards=tuple(generator.sample(levels, generator.choice([0, 0, 0, 1, 2]))),
            contributions=generator.choice([0, 1, 2, 3, 4]),
            plan_accepted=generator.random() > 0.15,
            completion_claim=generator.choice([CLAIM_VERIFIED] * 6 + [CLAIM_REJECTED, CLAIM_MISSING]),
            revenue_claim=generator.choice([CLAIM_VERIFIED] * 6 + [CLAIM_REJECTED, CLAIM_MISSING]),
        ))
    return many


@pytest.mark.django_db
def test_sql_scores_generated_inputs_like_the_pure_rules():
    many = _generated_inputs(2000, seed=20261127)
    for inputs, card in zip(many, scores_in_sql(many, RULES.scoring), strict=True):
        expected = score_in_python(inputs, RULES.scoring)
        assert (card.points(), card.total) == (expected.points(), expected.total), inputs


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 9, 10, 57, 400])
def test_sql_judges_generated_cohorts_like_the_pure_rules(size):
    generator = random.Random(size)
    totals = {f"R{i}": Decimal(generator.choice([40, 59, 60, 61, 65, 69, 70, 71, 85, 100])) for i in range(size)}
    history = {key: [Decimal(generator.choice([50, 69, 70, 90])) for _ in range(generator.randint(0, 3))]
               for key in totals}
    assert evaluate_in_sql(totals, history, RULES.elimination) == {
        key: SqlVerdict(verdict.outcome, verdict.reasons, verdict.rank, verdict.streak_below_threshold)
        for key, verdict in evaluate_in_python(totals, history, RULES.elimination).items()
    }


# --- Reasons in words (one sentence each for the card, its PDF, the dashboard, the sheet, the API) -----------


@pytest.mark.parametrize(("reason", "expected"), [
    (BELOW_FLOOR, "总分低于 60 分"),
    (BOTTOM_RATIO, "位于本季度排名末位 10%"),
    (THIRD_QUARTER_BELOW, "连续第三个季度低于 70 分"),
    (TWO_QUARTERS_BELOW, "连续两个季度低于 70 分"),
    ("unknown_code", "unknown_code"),
])
def test_each_reason_reads_with_the_rulebooks_numbers(reason, expected):
    with translation.override("zh-hans"):
        assert reason_text(reason, RULES.elimination) == expected


def test_a_reason_follows_a_changed_rulebook():
    rules = RULES.elimination.model_copy(update={"bottom_ratio": Decimal("0.125"), "hard_floor": Decimal("55.5")})
    with translation.override("en"):
        assert reason_text(BOTTOM_RATIO, rules) == "in the bottom 12.5% of the quarter's ranking"
        assert reason_text(BELOW_FLOOR, rules) == "total below 55.5 points"


@pytest.mark.parametrize(("value", "text"), [(Decimal("78.00"), "78"), (Decimal("78.50"), "78.5"),
                                             (Fraction(7, 9) * 100, "77.78"), (60, "60"), (Decimal("0.005"), "0.01")])
def test_numbers_read_without_trailing_zeros(value, text):
    assert number_text(value) == text
