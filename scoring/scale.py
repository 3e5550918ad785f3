"""Scale data of the scoring app (``manage.py seed_scale``; opc_community/core/scale.py): quarterly plans,
inputs and score cards (第六章).

- The open quarter (the one that contains today, when the demo opened it): an accepted plan and a draft
  input for every generated resident.
- The last quarter already scored: a card for every generated resident checked in before it began, as the
  quarter run would have left it for a resident above the warning line (outcome "no action"); the ranks of
  the quarter are then recomputed over all its cards, as the run ranks them (ascending by total).
"""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from opc_community.core.scale import BATCH, Scale
from scoring import quarters
from scoring.models import (
    InputStatus,
    Outcome,
    PlanStatus,
    Quarter,
    QuarterInput,
    QuarterPlan,
    QuarterStatus,
    ScoreCard,
)


def _open_quarter(scale: Scale) -> None:
    quarter = Quarter.objects.filter(status=QuarterStatus.OPEN).order_by("-year", "-number").first()
    if quarter is None:
        return
    zone = ZoneInfo(settings.TIME_ZONE)
    first = quarters.first_day(quarter.year, quarter.number)
    plans, inputs = [], []
    for resident in scale.residents:
        n = resident.sequence
        submitted = datetime.combine(
            max(first, resident.checked_in_at.date()) + timedelta(days=2), time(10), tzinfo=zone
        )
        plans.append(
            QuarterPlan(
                quarter=quarter,
                resident_id=resident.pk,
                milestones_planned=3 + n % 4,
                revenue_target=Decimal(50_000 + n % 7 * 10_000),
                note="完成产品迭代并拓展客户",
                status=PlanStatus.ACCEPTED,
                submitted_at=submitted,
                decided_by=scale.staff,
                decided_at=submitted + timedelta(days=1),
            )
        )
        inputs.append(
            QuarterInput(
                quarter=quarter,
                resident_id=resident.pk,
                milestones_done=n % 4,
                revenue=Decimal(20_000 + n * 7919 % 60_000),
                status=InputStatus.DRAFT,
            )
        )
    QuarterPlan.objects.bulk_create(plans, batch_size=BATCH)
    QuarterInput.objects.bulk_create(inputs, batch_size=BATCH)


def _last_scored_quarter(scale: Scale) -> None:
    quarter = (
        Quarter.objects.exclude(status=QuarterStatus.OPEN).order_by("-year", "-number").first()
    )
    if quarter is None:
        return
    start, _end = quarters.bounds(quarter.year, quarter.number)
    computed_at = quarter.run_finished_at or scale.now
    cards = []
    for resident in scale.residents:
        if resident.checked_in_at >= start:
            continue
        n = resident.sequence
        points = (18 + n % 3, 26 + n % 5, 26 + n * 7 % 5, 0, n % 4)  # ≥ 70: above the warning line
        cards.append(
            ScoreCard(
                quarter=quarter,
                resident_id=resident.pk,
                attended=8 + n % 5,
                expected=12,
                milestones_done=3 + n % 3,
                milestones_planned=5,
                revenue=Decimal(60_000 + n * 7919 % 70_000),
                revenue_target=Decimal(100_000),
                contributions=n % 4,
                participation_points=points[0],
                completion_points=points[1],
                revenue_points=points[2],
                award_points=points[3],
                contribution_points=points[4],
                total=sum(points),
                rank=1,
                streak_below_threshold=0,
                outcome=Outcome.OK,
                computed_at=computed_at,
            )
        )
    ScoreCard.objects.bulk_create(cards, batch_size=BATCH)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE scoring_scorecard c SET rank = r.rank
              FROM (SELECT id, rank() OVER (ORDER BY total) AS rank FROM scoring_scorecard WHERE quarter_id = %s) r
             WHERE r.id = c.id AND c.rank <> r.rank
            """,
            [quarter.pk],
        )


def seed_scale(scale: Scale) -> None:
    _open_quarter(scale)
    _last_scored_quarter(scale)
