"""The rule behind each band, in the resident's words (第六章第一条), and the outlook (第六章第二条): exact at every
boundary (80 % participation is 5 points, 80 % completion is 20), from the rulebook the quarter used."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from opc_community import rulebook
from scoring.models import Quarter, ScoreCard
from scoring.selectors.cards import explain, history_chart, outlook

pytestmark = pytest.mark.django_db


def card(**fields) -> ScoreCard:
    values = {
        "attended": 7, "expected": 9, "milestones_done": 4, "milestones_planned": 5, "revenue": Decimal("59990"),
        "revenue_target": Decimal("100000"), "award_level": "", "contributions": 2, "participation_points": 5,
        "completion_points": 20, "revenue_points": 0, "award_points": 0, "contribution_points": 15,
        "total": 40, "rank": 1, "streak_below_threshold": 1, "outcome": "eliminated", "reasons": ["below_60"],
        "quarter": Quarter(year=2026, number=3, inputs_due_on=datetime(2026, 10, 9, tzinfo=ZoneInfo("UTC")).date()),
    }
    values.update(fields)
    return ScoreCard(**values)


def rules_of(some_card: ScoreCard) -> list[str]:
    with translation.override("zh-hans"):
        return [line.rule_text for line in explain(some_card, rulebook.in_force())]


def test_each_band_is_explained_with_its_article():
    rules = rules_of(card())
    assert rules[0] == "考勤参与 77.78%：60%–80% 得 5 分（第六章第一条）"
    assert rules[1] == "项目完成度 80%：80% 至低于 100% 得 20 分（第六章第一条）"
    assert rules[2] == "营收表现 59.99%：低于 60% 得 0 分（第六章第一条）"
    assert rules[3] == "获奖/荣誉：本季度无已核实的奖项，得 0 分（第六章第一条）"
    assert rules[4] == "团队/技术贡献 2 项：2 项 得 15 分（第六章第一条）"


@pytest.mark.parametrize(("attended", "expected", "points", "text"), [
    (8, 10, 5, "考勤参与 80%：60%–80% 得 5 分"),  # 80 % is in the lower band (RULEBOOK §7.1)
    (8001, 10000, 10, "考勤参与 80.01%：高于 80% 得 10 分"),
    (6, 10, 5, "考勤参与 60%：60%–80% 得 5 分"),
    (5999, 10000, 0, "考勤参与 59.99%：低于 60% 得 0 分"),
])
def test_participation_boundaries(attended, expected, points, text):
    assert rules_of(card(attended=attended, expected=expected, participation_points=points))[0].startswith(text)


def test_nothing_expected_and_nothing_submitted():
    rules = rules_of(card(attended=0, expected=0, participation_points=10, milestones_done=0, milestones_planned=0,
                          revenue=0, revenue_target=0, completion_points=0, revenue_points=0,
                          completion_claim="missing", revenue_claim="missing",
                          award_level="provincial", award_points=10, contributions=3, contribution_points=20))
    assert rules[0].startswith("考勤参与 100%：高于 80% 得 10 分") and "分母为零" in rules[0]
    assert rules[1] == "项目完成度：无经工作人员核实的结果，得 0 分；只有经核实的数据才计分（第六章第三条）"
    assert rules[3] == "获奖/荣誉：已核实的最高奖项为省级，得 10 分；奖项不累加（第六章第一条）"
    assert rules[4].startswith("团队/技术贡献 3 项：3 项及以上 得 20 分")


@pytest.mark.parametrize(("streak", "outcome", "minimum"), [(0, "ok", 60), (1, "ok", 60), (2, "warning", 70)])
def test_what_the_next_quarter_needs(streak, outcome, minimum):
    with translation.override("zh-hans"):
        result = outlook(card(streak_below_threshold=streak, outcome=outcome, reasons=[]), rulebook.in_force())
    assert result.next_minimum == minimum
    assert any("末位 10%" in line for line in result.advice)


def test_an_eliminated_card_needs_no_next_quarter():
    with translation.override("zh-hans"):
        result = outlook(card(), rulebook.in_force())
    assert result.next_minimum is None and result.reasons == ["总分低于 60 分"]


def test_the_history_chart_puts_the_lines_at_60_and_70():
    chart = history_chart([card(total=55), card(total=75)], rulebook.in_force())
    floor_line, warning_line = chart["lines"]
    assert floor_line["y"] > warning_line["y"]  # lower on the chart
    assert chart["points"][0]["y"] > chart["points"][1]["y"]
