"""Demo quarterly assessment (第六章): four quarters of history, so that the warning list and an
elimination are visible, and the current quarter open for plans and inputs (``manage.py seed_demo``,
after ``residents`` and ``resources``).

Relative to the demo's day, with Q-1 the quarter that ended last:

- **Q-4, Q-3** — older results (before the platform; cards written as they were recorded), each with
  the accepted plan they were measured against;
- **Q-2** — plans accepted, results verified, scored by the quarter run, final (李四 on the warning list
  after two quarters below 70);
- **Q-1** — plans accepted, results verified, scored by the quarter run, confirmed and published on the
  notice board through the services (appeal window open): 李四 is eliminated (a third quarter below 70,
  第六章第二条), 欧阳娜娜 goes on the warning list (69, then 65), 赵六 passes;
- **Q0** — the current quarter, open, with plans in each state (RULEBOOK §7.1, decision added 2026-12):
  欧阳娜娜's accepted and locked, with a change request awaiting staff; 李四's returned with a reason;
  张三's — checked in today, so due 10 working days after check-in — submitted, awaiting staff; 赵六's a
  draft when his forced exit (75 days before the demo's day) falls in this quarter.

Every past quarter has accepted plans: without them the run would score completion and revenue 0 and the
history above would not hold (the decision applies to every quarter scored on the platform).

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
from opc_community.workdays.selectors import work_calendar
from residents.models import Resident
from resources.selectors.activities import participation
from scoring import quarters
from scoring.models import (
    Contribution,
    InputStatus,
    PlanStatus,
    Quarter,
    QuarterInput,
    QuarterPlan,
    QuarterStatus,
    ScoreCard,
)
from scoring.rules import QuarterInputs, plan_decision_due, score
from scoring.selectors import plans as plan_selectors
from scoring.selectors.inputs import in_cohort
from scoring.services import plans as plan_services
from scoring.services import signoff
from scoring.services.run import quarter_run

#: Older results by resident for Q-4 and Q-3: the plan and results they were measured against
#: (planned, done, revenue, target) and the points recorded (participation, completion, revenue, awards,
#: contributions) — the points those numbers give.
RECORDED = {
    "lisi": (((4, 4, "85000", "100000"), (10, 25, 24, 5, 15)),  # 79
             ((5, 4, "70000", "100000"), (10, 20, 18, 5, 15))),  # 68 (first quarter below 70)
    "ouyang": (((4, 4, "50000", "50000"), (10, 25, 30, 5, 10)),  # 80
               ((4, 4, "60000", "50000"), (10, 25, 30, 10, 15))),  # 90
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
            user__username__in=("lisi", "ouyang", "zhaoliu", "zhangsan"), checked_in_at__isnull=False
        )
    }
    current = quarters.containing(today)
    q1, q2, q3, q4 = quarters.previous(*current, 4)
    for index, key in ((0, q4), (1, q3)):
        _recorded(key, index, residents, lead)
    for index, key in ((0, q2), (1, q1)):
        _scored(key, index, residents, lead, publish=key == q1)
    if not Quarter.objects.filter(year=current[0], number=current[1]).exists():
        _planning(Quarter.objects.create(year=current[0], number=current[1], inputs_due_on=_due(current)),
                  residents, lead, demo)


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


def _accepted_plan(quarter: Quarter, resident: Resident, planned: int, target: str, lead: object) -> None:
    # History: filed in the first working days of the quarter and accepted by staff.
    moment = timezone.now()
    QuarterPlan.objects.create(quarter=quarter, resident=resident, milestones_planned=planned,
                               revenue_target=Decimal(target), status=PlanStatus.ACCEPTED, submitted_at=moment,
                               decided_by=lead, decided_at=moment)


def _recorded(key: tuple[int, int], index: int, residents: dict[str, Resident], lead: object) -> None:
    quarter = _new_quarter(key)
    if quarter is None:
        return
    cards = []
    for username, quarters_recorded in RECORDED.items():
        resident = residents.get(username)
        if resident is None or not in_cohort(quarter, resident):
            continue
        (planned, done, revenue, target), points = quarters_recorded[index]
        _accepted_plan(quarter, resident, planned, target, lead)
        total = sum(points)
        cards.append(ScoreCard(
            quarter=quarter, resident=resident, attended=0, expected=0, milestones_done=done,
            milestones_planned=planned, revenue=Decimal(revenue), revenue_target=Decimal(target),
            contributions=0, participation_points=points[0], completion_points=points[1], revenue_points=points[2],
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
        _accepted_plan(quarter, resident, planned, target, lead)
        # History: submitted by the resident and verified by staff before the deadline.
        data = QuarterInput.objects.create(
            quarter=quarter, resident=resident, milestones_done=done, revenue=Decimal(revenue),
            status=InputStatus.VERIFIED, submitted_at=now, verified_by=lead, verified_at=now,
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


#: The current quarter's plans by resident: (planned, target, what the milestones are).
PLANS = {
    "ouyang": (5, "60000", "1. 主图批量生成 2.0\n2. 海报模板库扩充到 200 套\n3. 短视频素材自动配乐\n"
                          "4. 新增 2 家跨境品牌客户\n5. 上线自助下单页"),
    "lisi": (6, "0", "完成合同审查工具的各项功能开发"),
    "zhangsan": (3, "30000", "1. 阿拉伯语客服模型上线\n2. 接入 Shopify 店铺\n3. 首批 5 家付费客户"),
    "zhaoliu": (4, "100000", "1. 脚本生成支持抖音竖屏模板\n2. 自动剪辑接入字幕识别\n3. 上线团队版\n4. 签约 3 家 MCN 机构"),
}


def _planning(quarter: Quarter, residents: dict[str, Resident], lead: object, demo: Demo) -> None:
    """The current quarter's plans, one in each state (RULEBOOK §7.1): 欧阳娜娜's accepted, with a change
    awaiting staff; 李四's returned with a reason; 张三's — checked in today, due 10 working days on —
    submitted, awaiting staff; 赵六's a draft when his exit (a date relative to the demo's day) falls in this
    quarter. Filing before today is history (it may be past its deadline on the demo's day); staff decisions,
    the change request and 张三's filing go through the services."""
    calendar, book = work_calendar(), plan_selectors.plan_rules(quarter)
    plans = {}
    for username, (planned, target, note) in PLANS.items():
        resident = residents.get(username)
        if resident is None or not in_cohort(quarter, resident):
            continue
        if username == "zhangsan":  # checked in today: filed through the services, due 10 working days on
            plan = plan_services.plan_save(quarter=quarter, resident=resident, actor=resident.user,
                                           values={"milestones_planned": planned, "revenue_target": target,
                                                   "note": note})
            plan_services.plan_submit(plan=plan, actor=resident.user)
            continue
        if username == "zhaoliu":  # History: a draft saved before he left, never submitted
            QuarterPlan.objects.create(quarter=quarter, resident=resident, milestones_planned=planned,
                                       revenue_target=Decimal(target), note=note)
            continue
        # History: filed and submitted in the first working days of the quarter (or today, on day 1).
        submitted = max(demo.now - timedelta(days=1), quarters.bounds(quarter.year, quarter.number)[0])
        plans[username] = QuarterPlan.objects.create(
            quarter=quarter, resident=resident, milestones_planned=planned, revenue_target=Decimal(target),
            note=note, status=PlanStatus.SUBMITTED, submitted_at=submitted,
            decision_due_on=plan_decision_due(calendar, asked_on=local_date(submitted), rules=book),
        )
    if "ouyang" in plans:
        plan = plan_services.plan_accept(plan=plans["ouyang"], actor=lead)
        plan_services.plan_change_request(
            plan=plan, values={"milestones_planned": 4, "revenue_target": "60000"}, actor=plan.resident.user,
            reason="两家跨境品牌客户的签约推迟到下季度，申请将里程碑由 5 项调整为 4 项。")
    if "lisi" in plans:
        plan_services.plan_return(plan=plans["lisi"], actor=lead,
                                  reason="营收目标为 0 需说明项目尚无收入的原因；里程碑请逐项列出，便于季度末核对。")
