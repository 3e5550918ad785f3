"""Pure parts of agreements: the term's end date, the fee schedule, and the orientation summary generated
from rulebook data (no database: the seed rulebook is parsed from its file)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from residents.models import FeePeriod
from residents.rules.term import add_months, agreement_end, fee_schedule
from residents.selectors.agreements import orientation_summary, penalty_ladder
from tests.residents.support.agreements import seed_rules


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


# --- The term: 12 months from the start date (第三章第三条) -------------------------------------------


@pytest.mark.parametrize(
    ("start", "anniversary", "end"),
    [
        (date(2026, 4, 1), date(2027, 4, 1), date(2027, 3, 31)),
        (date(2026, 1, 31), date(2027, 1, 31), date(2027, 1, 30)),
        (date(2026, 12, 31), date(2027, 12, 31), date(2027, 12, 30)),
        # The anniversary of 1 March 2027 is 1 March 2028: the term covers the leap day.
        (date(2027, 3, 1), date(2028, 3, 1), date(2028, 2, 29)),
        (date(2027, 2, 28), date(2028, 2, 28), date(2028, 2, 27)),
        # 29 Feb 2028 has no anniversary: add_months clamps to 28 Feb 2029, so the term ends
        # on 27 Feb 2029 (decision: a term ends the day before the clamped anniversary, the
        # same rule as every other start; the monthly periods end there too).
        (date(2028, 2, 29), date(2029, 2, 28), date(2029, 2, 27)),
    ],
)
def test_an_agreement_ends_the_day_before_its_anniversary(start, anniversary, end):
    assert add_months(start, 12) == anniversary
    assert agreement_end(start, 12) == end


# --- The fee schedule ----------------------------------------------------------------------------------


def test_a_monthly_fee_is_twelve_invoices_each_due_on_the_first_day_of_its_month():
    charges = fee_schedule(starts_on=date(2026, 1, 31), months=12, fee_period=FeePeriod.MONTHLY,
                           fee_amount=Decimal("800.00"))

    assert len(charges) == 12
    assert [c.due_on for c in charges[:4]] == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31),
                                               date(2026, 4, 30)]
    assert all(c.due_on == c.period_start for c in charges)
    assert (charges[0].period_start, charges[0].period_end) == (date(2026, 1, 31), date(2026, 2, 27))
    assert charges[-1].period_end == agreement_end(date(2026, 1, 31), 12)
    assert {c.amount for c in charges} == {Decimal("800.00")}


@pytest.mark.parametrize("start", [date(2026, 1, 31), date(2027, 3, 1), date(2028, 2, 29), date(2026, 5, 6)])
def test_monthly_periods_cover_the_term_without_gaps_or_overlaps(start):
    charges = fee_schedule(starts_on=start, months=12, fee_period=FeePeriod.MONTHLY, fee_amount=Decimal("1"))

    assert charges[0].period_start == start
    for before, after in zip(charges, charges[1:], strict=False):
        assert after.period_start == before.period_end + timedelta(days=1)
    assert charges[-1].period_end == agreement_end(start, 12)


def test_a_fee_per_term_is_one_invoice_due_on_the_start_date():
    [charge] = fee_schedule(starts_on=date(2026, 5, 6), months=12, fee_period=FeePeriod.TERM,
                            fee_amount=Decimal("9000.00"))

    assert (charge.due_on, charge.period_start, charge.period_end) == (date(2026, 5, 6), date(2026, 5, 6),
                                                                         date(2027, 5, 5))
    assert charge.amount == Decimal("9000.00")


def test_no_fee_makes_no_invoice():
    assert fee_schedule(starts_on=date(2026, 5, 6), months=12, fee_period=FeePeriod.MONTHLY,
                        fee_amount=Decimal("0")) == []


# --- The orientation summary: generated from the rulebook data --------------------------------------------


def _lines(summary_section):
    return {line.label: line.text for line in summary_section.lines}


def test_the_penalty_table_reads_in_plain_chinese_in_the_order_of_the_regulation():
    summary = orientation_summary(seed_rules())

    codes = [kind.code for kind in summary.penalties]
    assert codes == ["1a", "1b", "1c", "2a", "2b", "2c", "3a", "3b", "3c", "4a", "4b", "4c", "5a", "5b", "5c",
                     "6a", "6b", "6c", "7", "8"]
    ladders = {kind.code: [(line.label, line.text) for line in kind.steps] for kind in summary.penalties}
    assert ladders["7"] == [
        ("逾期 1–7 天", "警告"),
        ("逾期 8–15 天", "罚款 ¥100.00"),
        ("逾期 16–30 天", "暂停资源使用权限，直至结清"),
        ("逾期 31 天及以上", "强制退出（3 年内不得再次申请入驻）、没收保证金"),
    ]
    assert ladders["1b"] == [
        ("缓冲期满后逾期 1–3 天", "警告"),
        ("缓冲期满后逾期 4–7 天", "罚款 ¥300.00"),
        ("缓冲期满后逾期 超过 7 天", "强制退出（3 年内不得再次申请入驻）、没收保证金、罚款 ¥1,000.00"),
    ]
    assert ladders["2b"] == [("第 1 次", "警告"), ("第 2 次", "罚款 ¥50.00"), ("第 3 次及以上", "罚款 ¥100.00")]
    # RULEBOOK §9, decisions added 2026-12: an escalation adds to the base measures
    assert ladders["1c"][1] == ("整改不到位的", "另加：强制退出（1 年内不得再次申请入驻）、没收保证金、罚款 ¥800.00")
    assert ladders["3c"][1] == ("整改不到位的", "另加：暂停公共资源使用权限 7 天")
    assert ladders["2a"] == [
        ("损失价值 不超过 ¥500.00", "照价赔偿、警告"),
        ("损失价值 超过 ¥500.00", "照价赔偿、罚款 ¥200.00–¥500.00"),
        ("情节严重的", "另加：暂停公共空间使用权限 7 天"),
    ]
    assert ladders["5a"] == [
        ("", "警告、赔礼道歉"),
        ("造成损失的", "照价赔偿、罚款 ¥500.00–¥1,000.00"),
        ("情节严重的", "另加：强制退出（3 年内不得再次申请入驻）"),
    ]
    assert ladders["8"][0] == ("", "视情节给予以下之一：警告，或罚款 ¥50.00–¥200.00，或暂停资源使用权限")
    assert [kind.automatic for kind in summary.penalties if kind.code in ("1b", "7")] == [True, True]


def test_the_scoring_bands_rewards_and_deadlines_come_from_the_data():
    summary = orientation_summary(seed_rules())

    scoring = _lines(summary.scoring)
    assert scoring["考勤参与（10 分）"] == "高于 80%：10 分；60%（含）至80%（含）：5 分；低于 60%：0 分"
    assert scoring["项目完成度（25 分）"].startswith("100%及以上：25 分；80%（含）至100%（不含）：20 分")
    assert scoring["团队/技术贡献（20 分）"] == "3 次及以上：20 分；2 次：15 分；1 次：10 分；无：0 分"
    assert scoring["获奖/荣誉（15 分，取最高一项）"].startswith("国家级奖项/荣誉：15 分；省级奖项：10 分")
    assert _lines(summary.elimination)["末位淘汰"] == "总分不低于 60 分但排名处于后 10%：淘汰"
    rewards = _lines(summary.rewards)
    assert "路演厅免费使用 2 次（单次不超过 3 小时）或算力券补贴 ¥500.00" in rewards["合规优秀"]
    assert rewards["项目创新：市级奖项"] == "现金 ¥1,000.00–¥3,000.00"
    deadlines = _lines(summary.deadlines)
    assert deadlines["入驻期限"] == "12 个月（第三章第三条）"
    assert deadlines["诉求反馈"] == "2 个工作日内响应，7 个工作日内给出解决方案（第四章第四条）"


def test_a_revised_rulebook_changes_the_summary_without_code_changes():
    revised = seed_rules(term={"agreement_months": 6, "grace_days": 10}, bans={"forced_exit_years": 5})

    summary = orientation_summary(revised)

    deadlines = _lines(summary.deadlines)
    assert deadlines["入驻期限"] == "6 个月（第三章第三条）"
    assert deadlines["到期缓冲期"].startswith("10 天内")
    ladder = {line.label: line.text for line in penalty_ladder(revised.violations.kinds["7"], revised)}
    assert ladder["逾期 31 天及以上"].startswith("强制退出（5 年内")
