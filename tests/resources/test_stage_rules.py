"""Pure rules of the start-up services and the survey (第五章第三条、第四条): the SLA reuses the complaint
helpers; quarters; answers; results per group of at least N; low areas."""

from decimal import Decimal

import pytest

from resources.rules import stage as stage_rules
from resources.rules import surveys as rules
from tests.resources.support import sh

DUE = sh(2026, 10, 14, 23, 59, 59)


@pytest.mark.parametrize(("done", "now", "state"), [
    (sh(2026, 10, 14, 23, 59, 59), sh(2026, 10, 20, 9, 0), "met"),
    (sh(2026, 10, 15, 0, 0), sh(2026, 10, 20, 9, 0), "late"),
    (None, sh(2026, 10, 14, 23, 0), "pending"),
    (None, sh(2026, 10, 15, 0, 0), "overdue"),
])
def test_response_state(done, now, state):
    assert stage_rules.response_state(response_due_at=DUE, responded_at=done, now=now) == state


def test_a_cancelled_request_has_no_resolution_state():
    assert stage_rules.resolution_state(resolution_due_at=DUE, closed_at=None, status="cancelled",
                                        now=sh(2026, 11, 1, 0, 0)) is None


@pytest.mark.parametrize(("status", "responded", "expected"), [
    ("submitted", False, "response"), ("in_progress", True, "solution"), ("closed", True, None),
    ("cancelled", False, None),
])
def test_next_due(status, responded, expected):
    upcoming = stage_rules.next_due(status=status, responded=responded, response_due_at=DUE, resolution_due_at=DUE)
    assert (upcoming[0] if upcoming else None) == expected


@pytest.mark.parametrize(("status", "rated", "may"), [
    ("closed", False, True), ("closed", True, False), ("in_progress", False, False), ("cancelled", False, False),
])
def test_may_rate(status, rated, may):
    assert stage_rules.may_rate(status, rated) is may


def test_overdue_kinds_of_an_open_request():
    now = sh(2026, 10, 22, 0, 0)
    assert stage_rules.overdue_kinds(status="submitted", responded_at=None, response_due_at=DUE,
                                     resolution_due_at=sh(2026, 10, 21, 23, 59, 59), now=now) == ["response", "solution"]
    assert stage_rules.overdue_kinds(status="closed", responded_at=None, response_due_at=DUE,
                                     resolution_due_at=DUE, now=now) == []


QUESTIONS = {"spaces": {"title": "空间", "questions": {"clean": "整洁", "booking": "预约"}},
             "services": {"title": "服务", "questions": {"speed": "速度"}}}


@pytest.mark.parametrize(("answers", "refusal"), [
    ({"spaces": {"clean": 5, "booking": None}}, None),
    ({"spaces": {"clean": None}}, "empty"),
    ({"spaces": {"clean": 6}}, "out_of_scale"),
    ({"spaces": {"clean": 0}}, "out_of_scale"),
    ({"spaces": {"nope": 3}}, "unknown"),
    ({"other": {"clean": 3}}, "unknown"),
])
def test_answer_refusal(answers, refusal):
    assert rules.answer_refusal(answers, questions=QUESTIONS, scale_max=5) == refusal


def _tallies(area, question, counts):
    return [rules.Tally(area, question, score, count) for score, count in counts.items()]


def test_results_hide_groups_below_the_minimum():
    tallies = _tallies("spaces", "clean", {5: 3, 4: 1}) + _tallies("spaces", "booking", {2: 1})
    tallies += _tallies("services", "speed", {3: 4})
    spaces, service = rules.results(tallies, questions=QUESTIONS, min_group=5)
    assert spaces.area.answers == 5 and spaces.area.average == Decimal("4.20")  # (15 + 4 + 2) / 5
    assert spaces.questions["clean"].answers == 4 and spaces.questions["clean"].average is None
    assert service.area.answers == 4 and service.area.average is None  # 4 < 5: no number at all


def test_results_exactly_at_the_minimum_are_shown():
    (_spaces, service) = rules.results(_tallies("services", "speed", {3: 5}), questions=QUESTIONS, min_group=5)
    assert service.area.average == Decimal("3.00")


def test_low_areas_are_those_shown_below_the_threshold():
    tallies = _tallies("spaces", "clean", {2: 5}) + _tallies("services", "speed", {1: 4})
    areas = rules.results(tallies, questions=QUESTIONS, min_group=5)
    assert [a.code for a in rules.low_areas(areas, threshold=Decimal("3.5"))] == ["spaces"]
    assert rules.low_areas(areas, threshold=Decimal("2.0")) == []


def test_share_of_the_scale():
    assert rules.share_of(Decimal("4.00"), 5) == 80
    assert rules.share_of(None, 5) == 0
