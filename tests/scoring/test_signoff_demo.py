"""The scoring demo (scoring/demo.py): four quarters of history with a warning list and an elimination
on the board, the current quarter open; a second run changes nothing."""

from datetime import datetime
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from opc_community.core.demo import SEEDERS, Demo
from opc_community.notices.models import Publication, PublicationKind
from scoring.models import (
    PlanChangeStatus,
    PlanStatus,
    Quarter,
    QuarterInput,
    QuarterPlan,
    QuarterStatus,
    ScoreCard,
)

NOW = datetime(2026, 11, 18, 10, 7, tzinfo=ZoneInfo("Asia/Shanghai"))
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path)}},
    }


def _seed() -> None:
    demo = Demo(now=timezone.now())
    for module in SEEDERS[: SEEDERS.index("scoring") + 1]:
        import_module(f"{module}.demo").seed(demo)


def _state() -> tuple:
    return (Quarter.objects.count(), ScoreCard.objects.count(), QuarterInput.objects.count(),
            QuarterPlan.objects.count(), Publication.objects.filter(kind=PublicationKind.QUARTERLY_SCORES).count())


def test_the_demo_shows_a_warning_and_an_elimination_and_is_idempotent():
    with time_machine.travel(NOW, tick=False):
        _seed()
        first = _state()
        _seed()
        assert _state() == first
    statuses = dict(Quarter.objects.values_list("number", "status").filter(year=2026))
    assert statuses == {1: QuarterStatus.FINAL, 2: QuarterStatus.FINAL, 3: QuarterStatus.PUBLISHED,
                        4: QuarterStatus.OPEN}
    assert Quarter.objects.get(year=2025, number=4).status == QuarterStatus.FINAL
    published = {card.resident.user.username: card for card in
                 ScoreCard.objects.filter(quarter__year=2026, quarter__number=3).select_related("resident__user")}
    assert (published["lisi"].outcome, published["lisi"].total) == ("eliminated", 63)
    assert (published["ouyang"].outcome, published["ouyang"].total) == ("warning", 65)
    assert published["zhaoliu"].outcome == "ok"
    board = Publication.objects.get(kind=PublicationKind.QUARTERLY_SCORES)
    names = [row[0] for row in board.table_rows]
    assert "李四" not in board.body + str(board.table) and "李*" in names


def test_every_past_card_has_an_accepted_plan_and_the_current_quarter_a_plan_in_each_state():
    with time_machine.travel(NOW, tick=False):
        _seed()
    for card in ScoreCard.objects.select_related("quarter"):
        plan = QuarterPlan.objects.get(quarter=card.quarter, resident=card.resident)
        assert plan.status == PlanStatus.ACCEPTED and card.plan_accepted
        assert (card.milestones_planned, card.revenue_target) == (plan.milestones_planned, plan.revenue_target)
    current = {plan.resident.user.username: plan for plan in
               QuarterPlan.objects.filter(quarter__year=2026, quarter__number=4).select_related("resident__user")}
    # 赵六 left on 09-04 (75 days before), in Q3: no plan for Q4
    assert {name: plan.status for name, plan in current.items()} == {
        "ouyang": PlanStatus.ACCEPTED, "lisi": PlanStatus.RETURNED, "zhangsan": PlanStatus.SUBMITTED}
    assert current["ouyang"].changes.get().status == PlanChangeStatus.PENDING
    assert current["lisi"].return_reason and current["lisi"].refile_due_on
    assert current["zhangsan"].decision_due_on is not None


def test_on_a_later_day_the_resident_who_left_this_quarter_has_a_draft():
    with time_machine.travel(datetime(2026, 12, 28, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        _seed()  # 赵六 left on 10-14, in Q4
    draft = QuarterPlan.objects.get(quarter__year=2026, quarter__number=4, resident__user__username="zhaoliu")
    assert draft.status == PlanStatus.DRAFT
