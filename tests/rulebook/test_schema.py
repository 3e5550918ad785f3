"""The first rulebook version carries every number of RULEBOOK.md; broken bodies are refused by path."""

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest

from opc_community.core.errors import DomainError
from opc_community.rulebook.validation import parse_body

SEED = json.loads(
    (Path(__file__).resolve().parents[2] / "opc_community/rulebook/seed/v1.json").read_text(encoding="utf-8")
)


def test_the_seed_is_a_valid_rulebook_with_the_regulations_numbers():
    rules = parse_body(SEED)
    assert rules.deadlines.intake_initial_review_working_days == 7  # 第三章第二条
    assert rules.deadlines.intake_evaluation_result_working_days == 2
    assert (rules.deadlines.complaint_response_working_days, rules.deadlines.complaint_solution_working_days) == (2, 7)
    assert rules.deadlines.appeal_answer_working_days == 3  # 第八章第二条
    assert rules.deadlines.reward_grant_working_days == 10  # 第八章第一条
    assert rules.term.agreement_months == 12
    assert (rules.term.renewal_reminder_days, rules.term.grace_days) == (30, 7)
    assert rules.term.voluntary_exit_notice_days == 15
    assert rules.term.archive_retention_years == 3
    assert (rules.bans.forced_exit_years, rules.bans.subletting_years, rules.bans.subsidy_fraud_years) == (3, 1, 3)
    assert rules.intake.max_upload_mb == 10
    assert rules.intake.max_files_per_application == 20
    assert rules.booking.no_show_release_minutes == 15
    assert (rules.booking.no_show_limit, rules.booking.no_show_window_days) == (3, 30)
    assert rules.scoring.total_points == 100
    assert rules.elimination.hard_floor == Decimal(60)
    assert rules.elimination.bottom_ratio == Decimal("0.10")
    assert rules.elimination.warning_threshold == Decimal(70)
    assert rules.violations.lookback_days == 365
    assert len(rules.violations.kinds) == 20  # 1a…8 of the §9 table
    assert rules.rewards.compliance_excellence.voucher_subsidy == Decimal(500)
    assert rules.rewards.innovation["provincial"].max == Decimal(10000)
    assert rules.publication.public_retention_days == 30  # RULEBOOK §10, decisions added 2026-12


def test_the_parsed_rules_are_immutable():
    rules = parse_body(SEED)
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen-instance error
        rules.term.grace_days = 8


def _broken(path: list, value) -> dict:
    body = copy.deepcopy(SEED)
    target = body
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return body


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["term", "grace_days"], KeyError, "term.grace_days"),
        (["term", "grace_days"], -1, "term.grace_days"),
        (["term", "surprise"], 1, "term.surprise"),
        (["scoring", "participation", "max_points"], 11, "max_points"),  # weights no longer add up to 100
        (["scoring", "completion", "bands", 1, "min"], "120", "scoring.completion"),  # bands out of order
        (["elimination", "bottom_ratio"], "1.5", "elimination.bottom_ratio"),
        (["booking", "room_types", "meeting_room", "closes"], "07:00", "meeting_room"),
        (["violations", "kinds", "2b", "steps", 0, "measures", 0, "amount"], None, "kinds.2b.steps[0]"),
        # RULEBOOK §9, decisions added 2026-12: an escalation adds to the base, never replaces it.
        (["violations", "kinds", "3c", "steps", 1, "also"], False, "kinds.3c: 「not_rectified」对应的规则须为“另加”规则"),
        (["violations", "kinds", "8", "steps", 1, "choose_one"], True, "kinds.8: 只有基本规则可由工作人员择一"),
        (["violations", "kinds", "3c", "steps", 1, "measures", 0, "scope"], "equipment", "kinds.3c.steps[1]"),
    ],
)
def test_a_broken_body_is_refused_naming_the_item(path, value, message):
    with pytest.raises(DomainError) as refused:
        parse_body(_broken(path, value))
    assert refused.value.field == "body"
    assert message in str(refused.value.message)


def test_the_automatic_ladders_cannot_be_deleted():
    body = copy.deepcopy(SEED)
    del body["violations"]["kinds"]["7"]
    with pytest.raises(DomainError, match="7"):
        parse_body(body)


def test_messages_are_in_chinese_by_default():
    with pytest.raises(DomainError) as refused:
        parse_body(_broken(["term", "grace_days"], KeyError))
    assert "规则数据" in str(refused.value.message)
