"""Demo quarterly assessment (第六章): four quarters of history, so that the warning list and an
elimination are visible, and the current quarter open for inputs (``manage.py seed_demo``, after
``residents`` and ``resources``).

Relative to the demo's day, with Q-1 the quarter that ended last:

- **Q-4, Q-3** — older results (before the platform; cards written as they were recorded);
- **Q-2** — inputs verified, scored by the quarter run, final (李四 on the warning list after two
  quarters below 70);
- **Q-1** — inputs verified, scored by the quarter run, confirmed and published on the notice board
  through the services (appeal window open): 李四 is eliminated (a third quarter below 70,
  第六章第二条), 欧阳娜娜 goes on the warning list (69, then 69), 赵六 passes;
- **Q0** — the current quarter, open: residents fill in their inputs in the portal.

**How history is made.** The services refuse inputs after the deadline and a rulebook is in force
only from 2026-04-01; past inputs, the older cards and the final state of Q-2 are written with the
ORM as the services would have left them (``# History:``). Idempotent: a quarter that exists is
left alone, so a second ``seed_demo`` changes nothing.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from opc_community import rulebook
from opc_community.core.demo import Demo
from opc_community.core.errors import DomainError
from opc_community.workdays.rules import local_date
from residents.models import Resident
from resources.selectors.activities import participation
from scoring import quarters
from scoring.models import (
    Contribution,
    InputStatus,
    Quarter,
    QuarterInput,
    QuarterStatus,
    ScoreCard,
)
from scoring.rules import QuarterInputs, score
from scoring.selectors.inputs import in_cohort
from scoring.services import signoff
from scoring.services.run import quarter_run

#: Older results by resident: (participation, completion, revenue, awards, contributions) for Q-4 and Q-3.
RECORDED = {
    "lisi": ((10, 25, 24, 5, 15), (10, 20, 18, 5, 15)),  # 79, then 68 (first quarter below 70)
    "ouyang": ((10, 25, 30, 5, 10), (10, 25, 30, 10, 15)),  # 80, 90
}

#: Inputs by resident for Q-2 and Q-1: (planned, done, revenue, target, contributions, total aimed at).
#: Participation comes from the activities demo and depends on the demo's day; the award claimed is
#: chosen so that the total lands on the aim whatever it is (李四 below 70 three quarters running,
#: 欧阳娜娜 below 70 twice — a warning — 赵六 well above).
INPUTS = {
    "lisi": ((5, 4, "85000", "100000", 1, 64), (5, 4, "70000", "100000", 2, 63)),
    "ouyang": ((5, 4, "42500", "50000", 2, 69), (4, 4, "50000", "50000", 0, 65)),
    "zhaoliu": ((4, 4, "120000", "100000", 2, 85), (4, 4, "90000", "100000", 1, 79)),
}

#: Days after a quarter's end by which residents hand in their inputs (the demo's choice).
INPUT_DAYS = 10


def seed(demo: Demo) -> None:
    lead = demo.users["lead"]
    today = local_date(demo.now)
    residents = {
        resident.user.username: resident
        for resident in Resident.objects.select_related("user").filter(
            user__username__in=("lisi", "ouyang", "zhaoliu"), checked_in_at__isnull=False
        )
    }
    current = quarters.containing(today)
    q1, q2, q3, q4 = quarters.previous(*current, 4)
    for index, key in ((0, q4), (1, q3)):
        _recorded(key, index, residents, lead)
    for index, key in ((0, q2), (1, q1)):
        _scored(key, index, residents, lead, publish=key == q1)
    if not Quarter.objects.filter(year=current[0], number=current[1]).exists():
        Quarter.objects.create(year=current[0], number=current[1], inputs_due_on=_due(current))


def _due(key: tuple[int, int]) -> date:
    return quarters.last_day(*key) + timedelta(days=INPUT_DAYS)


def _new_quarter(key: tuple[int, int]) -> Quarter | None:
    if Quarter.objects.filter(year=key[0], number=key[1]).exists():
        return None
    return Quarter.objects.create(year=key[0], number=key[1], inputs_due_on=_due(key))


def _award_for(points: int, levels: dict[str, int]) -> str:
    """The award level worth ``points`` (or the best one below), "" for none."""
    fitting = [(value, level) for level, value in levels.items() if 0 < value <= points]
    return max(fitting)[1] if fitting else ""


def _recorded(key: tuple[int, int], index: int, residents: dict[str, Resident], lead: object) -> None:
    quarter = _new_quarter(key)
    if quarter is None:
        return
    cards = []
    for username, results in RECORDED.items():
        resident = residents.get(username)
        if resident is None or not in_cohort(quarter, resident):
            continue
        points = results[index]
        total = sum(points)
        cards.append(ScoreCard(
            quarter=quarter, resident=resident, attended=0, expected=0, milestones_done=0, milestones_planned=0,
            revenue=Decimal(0), revenue_target=Decimal(0), contributions=0,
            participation_points=points[0], completion_points=points[1], revenue_points=points[2],
            award_points=points[3], contribution_points=points[4], total=total, rank=1,
            streak_below_threshold=int(total < 70), outcome="ok", computed_at=timezone.now(),
        ))
    # History: results recorded before the platform; the quarter is final, under the first rulebook.
    ScoreCard.objects.bulk_create(cards)
    Quarter.objects.filter(pk=quarter.pk).update(status=QuarterStatus.FINAL, rulebook_version=1)


def _scored(key: tuple[int, int], index: int, residents: dict[str, Resident], lead: object, *,
            publish: bool) -> None:
    quarter = _new_quarter(key)
    if quarter is None:
        return
    now = timezone.now()
    first, last = quarters.first_day(*key), quarters.last_day(*key)
    try:
        rules = rulebook.in_force(on=last).scoring
    except DomainError:  # no rulebook in force on the quarter's last day: nothing to score
        return
    attendance = participation(first, last)
    for username, rows in INPUTS.items():
        resident = residents.get(username)
        if resident is None or not in_cohort(quarter, resident):
            continue
        planned, done, revenue, target, contributions, aim = rows[index]
        attended, expected = attendance.get(resident.pk, (0, 0))
        without_award = score(QuarterInputs(attended, expected, done, planned, Decimal(revenue), Decimal(target),
                                            (), contributions), rules).total
        award = _award_for(aim - without_award, rules.awards.levels)
        # History: submitted by the resident and verified by staff before the deadline.
        data = QuarterInput.objects.create(
            quarter=quarter, resident=resident, milestones_planned=planned, milestones_done=done,
            revenue=Decimal(revenue), revenue_target=Decimal(target), status=InputStatus.VERIFIED,
            submitted_at=now, verified_by=lead, verified_at=now,
        )
        if award:
            data.awards.create(level=award, title="创新创业大赛获奖", verified=True)
        Contribution.objects.bulk_create(
            Contribution(input=data, kind="tech_sharing", description=f"技术分享会第 {n + 1} 场", verified=True)
            for n in range(contributions)
        )
    quarter_run(quarter=quarter, actor=lead)
    if publish:
        signoff.quarter_confirm(quarter=quarter, actor=lead)
        signoff.quarter_publish(quarter=quarter, actor=lead)
        return
    # History: confirmed, published and final long ago (its window closed without appeal).
    Quarter.objects.filter(pk=quarter.pk).update(
        status=QuarterStatus.FINAL, confirmed_by=lead, confirmed_at=now, published_at=now, finalised_at=now
    )
