"""第八章第一条: compliance-excellence eligibility, amount ranges and the rule notes — tables, no database."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation

from discipline import reward_rules as rules
from opc_community.rulebook.validation import parse_body

RULES = parse_body(
    json.loads((Path(__file__).resolve().parents[2] / "opc_community/rulebook/seed/v1.json").read_text("utf-8"))
)
R = RULES.rewards


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


# --- Months ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 1), 6, date(2026, 7, 1)),
        (date(2026, 8, 31), 1, date(2026, 9, 30)),  # the last day of a shorter month
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),  # leap year
        (date(2025, 11, 15), 2, date(2026, 1, 15)),  # across the year
        (date(2026, 3, 10), 0, date(2026, 3, 10)),
    ],
)
def test_add_months(day, months, expected):
    assert rules.add_months(day, months) == expected


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2026, 1, 1), date(2026, 6, 30), 5),  # the day before the 6th month is complete
        (date(2026, 1, 1), date(2026, 7, 1), 6),  # complete on the same day of the 7th month
        (date(2026, 1, 31), date(2026, 2, 27), 0),
        (date(2026, 1, 31), date(2026, 2, 28), 1),  # 31 Jan + 1 month = 28 Feb
        (date(2026, 3, 15), date(2026, 3, 14), 0),  # end before start
        (date(2024, 5, 20), date(2026, 1, 1), 19),
    ],
)
def test_full_months(start, end, months):
    assert rules.full_months(start, end) == months


@pytest.mark.parametrize(
    ("year", "today", "judged"),
    [(2026, date(2026, 9, 1), date(2026, 9, 1)), (2025, date(2026, 1, 5), date(2025, 12, 31))],
)
def test_judging_date_is_today_during_the_year_and_its_last_day_afterwards(year, today, judged):
    assert rules.judging_date(year, today) == judged


# --- Compliance excellence: every boundary --------------------------------------------------------

JAN_1 = date(2026, 1, 1)


@pytest.mark.parametrize(
    ("checked_in_on", "judged_on", "violations", "services", "failing"),
    [
        # 6 full months: checked in 2026-01-01 → complete on 2026-07-01, not on 2026-06-30.
        (JAN_1, date(2026, 6, 30), 0, 8, {"months"}),
        (JAN_1, date(2026, 7, 1), 0, 8, set()),
        # Months before the judged year count.
        (date(2025, 6, 1), date(2026, 1, 2), 0, 8, set()),
        (date(2025, 9, 1), date(2026, 2, 28), 0, 8, {"months"}),
        (date(2025, 9, 1), date(2026, 3, 1), 0, 8, set()),
        # Volunteer services: 7 is one short, 8 is enough.
        (JAN_1, date(2026, 12, 31), 0, 7, {"volunteer"}),
        (JAN_1, date(2026, 12, 31), 0, 8, set()),
        (JAN_1, date(2026, 12, 31), 0, 20, set()),
        # Violations counted by the caller (counting statuses, that year only): one is too many.
        (JAN_1, date(2026, 12, 31), 1, 8, {"violations"}),
        # Everything wrong at once, each condition named.
        (date(2026, 11, 1), date(2026, 12, 31), 2, 0, {"months", "violations", "volunteer"}),
        # Never checked in, or only after the judging date.
        (None, date(2026, 12, 31), 0, 8, {"not_checked_in"}),
        (date(2027, 1, 5), date(2026, 12, 31), 0, 8, {"not_checked_in"}),
    ],
)
def test_compliance_eligibility(checked_in_on, judged_on, violations, services, failing):
    result = rules.compliance_eligibility(
        checked_in_on=checked_in_on, judged_on=judged_on, violations_in_year=violations,
        volunteer_services=services, rewards=R,
    )
    assert {failure.code for failure in result.failures} == failing
    assert result.eligible is (not failing)
    assert all("第八章第一条" in failure.message for failure in result.failures)


def test_the_failing_conditions_read_in_plain_chinese():
    result = rules.compliance_eligibility(
        checked_in_on=JAN_1, judged_on=date(2026, 6, 30), violations_in_year=1, volunteer_services=7, rewards=R
    )
    assert result.failures[0].message == (
        "截至2026年6月30日入驻满 5 个完整月，需满 6 个完整月（2026年7月1日届满）（第八章第一条）。"
    )
    assert result.failures[1].message == "2026年有 1 次已确认的违规，要求无违规（第八章第一条）。"
    assert result.failures[2].message == "2026年志愿服务 7 次，至少需要 8 次（第八章第一条）。"
    assert result.summary.count("；") == 2
    assert result.months_checked_in == 5 and result.months_complete_on == date(2026, 7, 1)


# --- Amounts within the range (bounds included) -----------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "level", "amount", "allowed"),
    [
        ("innovation", "municipal", Decimal("999.99"), False),
        ("innovation", "municipal", Decimal("1000"), True),
        ("innovation", "municipal", Decimal("3000.00"), True),
        ("innovation", "municipal", Decimal("3000.01"), False),
        ("innovation", "provincial", Decimal("4999.99"), False),
        ("innovation", "provincial", Decimal("5000"), True),
        ("innovation", "provincial", Decimal("10000"), True),
        ("innovation", "provincial", Decimal("10000.01"), False),
        ("innovation", "provincial", None, False),
        ("other", "", Decimal("99.99"), False),
        ("other", "", Decimal("100"), True),
        ("other", "", Decimal("500"), True),
        ("other", "", Decimal("500.01"), False),
        ("compliance", "", None, True),  # no range: the amount is the rulebook's fixed subsidy
    ],
)
def test_amount_within_the_range(kind, level, amount, allowed):
    assert (rules.amount_refusal(R, kind=kind, level=level, amount=amount) is None) is allowed


@pytest.mark.parametrize(
    ("level", "message"),
    [
        ("municipal", "市级创业奖项的奖励金额应在 ¥1,000.00–¥3,000.00 之间（第八章第一条）。"),
        ("provincial", "省级及以上创业奖项的奖励金额应在 ¥5,000.00–¥10,000.00 之间（第八章第一条）。"),
    ],
)
def test_the_refusal_names_the_range(level, message):
    assert rules.amount_refusal(R, kind="innovation", level=level, amount=Decimal("1")) == message


@pytest.mark.parametrize(
    ("kind", "choice", "allowed"),
    [
        ("compliance", "roadshow_credits", True),
        ("compliance", "voucher_subsidy", True),
        ("compliance", "cash", False),
        ("innovation", "cash", True),
        ("innovation", "resource_support", False),
        ("other", "cash", True),
        ("other", "resource_support", True),
        ("other", "roadshow_credits", False),
    ],
)
def test_choices_by_kind(kind, choice, allowed):
    assert rules.choice_allowed(kind, choice) is allowed


@pytest.mark.parametrize(
    ("kind", "level", "fragments"),
    [
        ("compliance", "", ("6 个完整月", "8 次", "2 次", "3 小时", "¥500.00")),
        ("innovation", "municipal", ("¥1,000.00–¥3,000.00",)),
        ("innovation", "provincial", ("¥5,000.00–¥10,000.00",)),
        ("other", "", ("¥100.00–¥500.00", "资源支持")),
    ],
)
def test_the_rule_note_states_the_numbers_and_the_article(kind, level, fragments):
    note = rules.rule_note(R, kind=kind, level=level)
    assert "第八章第一条" in note
    for fragment in fragments:
        assert fragment in note
