"""Pure rules of mediation (第四章第三条) and rule questions (第九章第五条): tables of cases."""

import pytest

from opc_community import rulebook
from residents.models import MediationStatus
from residents.rules import mediation as rules
from residents.rules import rule_questions as question_rules

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("status", "requester", "respondent", "agreed", "problem"),
    [
        (MediationStatus.SCHEDULED, True, True, True, None),
        (MediationStatus.SCHEDULED, True, False, False, None),
        (MediationStatus.SCHEDULED, False, False, False, None),
        (MediationStatus.SCHEDULED, True, False, True, "需要双方都出席"),
        (MediationStatus.SCHEDULED, None, True, False, "是否出席"),
        (MediationStatus.REQUESTED, True, True, True, "已安排调解会"),
        (MediationStatus.AGREED, True, True, True, "已安排调解会"),
    ],
)
def test_an_outcome_needs_a_session_and_an_agreement_needs_both_parties(status, requester, respondent, agreed, problem):
    found = rules.attendance_problem(
        status=status, requester_attended=requester, respondent_attended=respondent, agreed=agreed
    )
    if problem is None:
        assert found is None
    else:
        assert problem in found


@pytest.mark.parametrize(
    ("status", "open_", "schedulable", "closable"),
    [
        (MediationStatus.REQUESTED, True, True, False),
        (MediationStatus.SCHEDULED, True, True, True),
        (MediationStatus.AGREED, False, False, False),
        (MediationStatus.FAILED, False, False, False),
        (MediationStatus.WITHDRAWN, False, False, False),
    ],
)
def test_who_may_do_what_by_status(status, open_, schedulable, closable):
    assert rules.is_open(status) is open_
    assert rules.may_schedule(status) is schedulable
    assert rules.may_close(status) is closable


def test_a_failed_mediation_names_negotiation_then_the_court_in_chinese():
    text = rules.next_steps_text()
    assert "协商" in text and "人民法院" in text and "第九章第三条" in text


def test_the_promise_reads_the_rulebook_numbers():
    text = rules.promise_text(rulebook.in_force().deadlines)
    assert "5 个工作日" in text and "15 个工作日" in text and "第四章第三条" in text


def test_topics_come_from_the_penalty_kinds_and_reward_types_of_the_rulebook():
    rules_in_force = rulebook.in_force()
    topics = dict(question_rules.topics(rules_in_force))
    assert len(topics) == len(rules_in_force.violations.kinds) + 3 + 1
    assert "擅自宣传" in topics["violation:4c"]
    assert topics["reward:innovation"].startswith("奖励")
    assert question_rules.topic_label(rules_in_force, "other")
    assert question_rules.topic_label(rules_in_force, "violation:99") is None
