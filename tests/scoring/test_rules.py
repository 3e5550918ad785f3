"""第六章: scoring bands and elimination, from the rulebook in force — conformance cases and boundaries."""

import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from opc_community.rulebook.validation import parse_body
from scoring.rules import (
    QuarterInputs,
    band_for,
    bottom_group_size,
    competition_ranks,
    evaluate_cohort,
    rate,
    score,
)
from tests.spec import case_id, cases

RULES = parse_body(
    json.loads((Path(__file__).resolve().parents[2] / "opc_community/rulebook/seed/v1.json").read_text("utf-8"))
)


def _inputs(case: dict) -> QuarterInputs:
    return QuarterInputs(
        attended=case["attended"], expected=case["expected"],
        milestones_done=case["milestones_done"], milestones_planned=case["milestones_planned"],
        revenue=Decimal(case["revenue"]), revenue_target=Decimal(case["revenue_target"]),
        awards=tuple(case["awards"]), contributions=case["contributions"],
    )


@pytest.mark.parametrize("case", cases("scoring"), ids=case_id)
def test_conformance_scoring(case):
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
def test_participation_bands(attended, expected, points):
    card = score(QuarterInputs(attended, expected, 1, 1, Decimal(1), Decimal(1), (), 0), RULES.scoring)
    assert card.points()["participation"] == points


@pytest.mark.parametrize(
    ("done", "planned", "points"),
    [(5, 5, 25), (6, 5, 25), (99, 100, 20), (4, 5, 20), (79, 100, 15), (3, 5, 15), (59, 100, 0), (0, 0, 25)],
)
def test_completion_bands_boundaries_belong_to_the_higher_band(done, planned, points):
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
def test_revenue_bands(revenue, target, points):
    card = score(QuarterInputs(1, 1, 1, 1, Decimal(revenue), Decimal(target), (), 0), RULES.scoring)
    assert card.points()["revenue"] == points


@pytest.mark.parametrize(
    ("awards", "points"),
    [((), 0), (("municipal",), 5), (("industry_municipal",), 5), (("industry_provincial",), 10),
     (("municipal", "provincial"), 10), (("national", "municipal"), 15)],
)
def test_awards_take_the_highest_level(awards, points):
    card = score(QuarterInputs(1, 1, 1, 1, Decimal(1), Decimal(1), awards, 0), RULES.scoring)
    assert card.points()["awards"] == points


@pytest.mark.parametrize(("count", "points"), [(0, 0), (1, 10), (2, 15), (3, 20), (7, 20)])
def test_contribution_bands(count, points):
    card = score(QuarterInputs(1, 1, 1, 1, Decimal(1), Decimal(1), (), count), RULES.scoring)
    assert card.points()["contributions"] == points


def test_unknown_award_level_is_refused():
    with pytest.raises(ValueError):
        score(QuarterInputs(1, 1, 1, 1, Decimal(1), Decimal(1), ("galactic",), 0), RULES.scoring)


def test_rates_are_exact_and_displayed_rounded():
    assert rate(2, 3, when_nothing_expected=Decimal(100)) == Fraction(200, 3)
    card = score(QuarterInputs(2, 3, 1, 1, Decimal(1), Decimal(1), (), 0), RULES.scoring)
    assert card.dimensions[0].display_value == Decimal("66.67")


def test_band_for_needs_a_catch_all_band():
    with pytest.raises(ValueError):
        band_for(Fraction(1), RULES.scoring.participation.bands[:1])


# --- elimination ---------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("elimination"), ids=case_id)
def test_conformance_elimination(case):
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
def test_thresholds_in_a_small_cohort_without_a_bottom_group(total, history, outcome):
    verdicts = evaluate_cohort({"x": total}, {"x": history}, RULES.elimination)
    assert verdicts["x"].outcome == outcome


def test_nothing_submitted_scores_no_completion_and_no_revenue():
    card = score(QuarterInputs(1, 1, 0, 0, Decimal(0), Decimal(0), (), 0, submitted=False), RULES.scoring)
    assert (card.points()["completion"], card.points()["revenue"], card.total) == (0, 0, 10)
