"""The quarter run (第六章第二条): set-based, idempotent, elimination over the whole cohort."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opc_community.core.errors import InvalidTransition
from residents.models import ResidentStatus
from scoring.models import (
    AwardClaim,
    Contribution,
    InputStatus,
    PlanStatus,
    Quarter,
    QuarterInput,
    QuarterPlan,
    QuarterStatus,
    ScoreCard,
    ScoreChange,
)
from scoring.services.run import quarter_recompute, quarter_run
from tests.residents.factories import ResidentFactory
from tests.scoring.factories import (
    ContributionFactory,
    QuarterFactory,
    ScoreAppealFactory,
    ScoreCardFactory,
)
from tests.spec import case_id, cases

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def _quarter(year=2026, number=3, **fields) -> Quarter:
    return QuarterFactory(year=year, number=number, inputs_due_on=date(year, 3 * number, 28), **fields)


def _resident(**fields):
    return ResidentFactory(checked_in_at=datetime(2026, 4, 1, 9, tzinfo=SH), **fields)


def _inputs(quarter, resident, *, done=4, planned=4, revenue="100000", target="100000", status=InputStatus.VERIFIED,
            plan=PlanStatus.ACCEPTED, **flags):
    """The resident's results and, unless ``plan`` is None, its plan in that status."""
    if plan is not None:
        QuarterPlan.objects.create(quarter=quarter, resident=resident, milestones_planned=planned,
                                   revenue_target=Decimal(target), status=plan)
    return QuarterInput.objects.create(
        quarter=quarter, resident=resident, milestones_done=done, revenue=Decimal(revenue), status=status, **flags,
    )


def test_cards_for_the_cohort_with_verified_awards_and_contributions():
    quarter = _quarter()
    top, missing = _resident(), _resident()
    data = _inputs(quarter, top)
    AwardClaim.objects.create(input=data, level="provincial", title="省级创业大赛二等奖", verified=True)
    AwardClaim.objects.create(input=data, level="national", title="未核实的国家级奖", verified=False)
    for kind in ("tech_sharing", "open_source"):
        ContributionFactory(input=data, kind=kind, description=kind)
    result = quarter_run(quarter=quarter)
    assert result.cards == 2 and result.rulebook_version == 1
    card = ScoreCard.objects.get(quarter=quarter, resident=top)
    # nothing expected → participation 10; 100 % → 25 and 30; provincial → 10; 2 contributions → 15
    assert (card.participation_points, card.completion_points, card.revenue_points) == (10, 25, 30)
    assert (card.award_points, card.contribution_points, card.total, card.award_level) == (10, 15, 90, "provincial")
    nothing = ScoreCard.objects.get(quarter=quarter, resident=missing)
    assert (nothing.completion_points, nothing.revenue_points, nothing.total) == (0, 0, 10)
    assert nothing.outcome == "eliminated" and nothing.reasons == ["below_60"]
    quarter.refresh_from_db()
    assert (quarter.status, quarter.rulebook_version) == (QuarterStatus.DRAFTED, 1)


def test_the_cohort_is_everyone_checked_in_during_the_quarter():
    quarter = _quarter()
    inside = _resident()
    later = ResidentFactory(checked_in_at=datetime(2026, 10, 1, 0, 0, tzinfo=SH))  # after Q3 ends
    left_before = _resident(status=ResidentStatus.EXITED, exited_on=date(2026, 6, 30), retain_until=date(2029, 6, 30))
    left_during = _resident(status=ResidentStatus.EXITED, exited_on=date(2026, 7, 1), retain_until=date(2029, 7, 1))
    quarter_run(quarter=quarter)
    scored = set(ScoreCard.objects.filter(quarter=quarter).values_list("resident_id", flat=True))
    assert scored == {inside.pk, left_during.pk}
    assert later.pk not in scored and left_before.pk not in scored


def test_a_rerun_replaces_the_draft_exactly():
    quarter = _quarter()
    for _ in range(3):
        _inputs(quarter, _resident())
    quarter_run(quarter=quarter)
    first = list(ScoreCard.objects.filter(quarter=quarter).order_by("resident").values(
        "resident", "total", "rank", "outcome", "reasons"))
    quarter_run(quarter=quarter)
    again = list(ScoreCard.objects.filter(quarter=quarter).order_by("resident").values(
        "resident", "total", "rank", "outcome", "reasons"))
    assert first == again


def test_a_rerun_rewrites_only_the_cards_that_changed():
    quarter = _quarter()
    kept, changed = _resident(), _resident()
    _inputs(quarter, kept)
    changing = _inputs(quarter, changed)
    quarter_run(quarter=quarter)
    before = dict(ScoreCard.objects.filter(quarter=quarter).values_list("resident", "computed_at"))
    QuarterInput.objects.filter(pk=changing.pk).update(revenue=Decimal("200000"))  # same band, same ranks
    quarter_run(quarter=quarter)
    after = dict(ScoreCard.objects.filter(quarter=quarter).values_list("resident", "computed_at"))
    assert after[kept.pk] == before[kept.pk]
    assert after[changed.pk] > before[changed.pk]


@pytest.mark.parametrize("residents", [10, 100])
def test_the_number_of_queries_does_not_depend_on_the_cohort(residents):
    quarter = _quarter()
    for _ in range(residents):
        _inputs(quarter, _resident())
    with CaptureQueriesContext(connection) as run:
        quarter_run(quarter=quarter)
    # savepoint, lock, rulebook, jit off, DELETE, the scoring statement (it reads, scores and upserts), the counts,
    # the status update, the refresh, release (the audit trail's context rides on the writes)
    assert len(run) == 10, [q["sql"][:80] for q in run.captured_queries]


def test_three_consecutive_quarters_below_70_eliminate_and_two_warn():
    resident, steady = _resident(), _resident()
    for number, total_done in ((1, 0), (2, 0)):
        earlier = _quarter(number=number, status=QuarterStatus.FINAL, rulebook_version=1)
        for r in (resident, steady):
            ScoreCardFactory(
                quarter=earlier, resident=r, milestones_done=total_done, milestones_planned=1, revenue=0,
                completion_points=0, revenue_points=0, total=65 if r == resident else 95,
                computed_at=datetime(2026, 7, 1, tzinfo=SH),
            )
    quarter = _quarter(number=3)
    _inputs(quarter, resident, done=3, planned=5, revenue="60000")  # 10 + 15 + 18 = 43 … below 60 anyway
    _inputs(quarter, steady)
    quarter_run(quarter=quarter)
    card = ScoreCard.objects.get(quarter=quarter, resident=resident)
    assert card.streak_below_threshold == 3
    assert set(card.reasons) == {"below_60", "third_quarter_below_70"}


def test_a_confirmed_quarter_is_not_rerun():
    quarter = _quarter(status=QuarterStatus.CONFIRMED, rulebook_version=1)
    with pytest.raises(InvalidTransition):
        quarter_run(quarter=quarter)


def test_recomputing_a_published_quarter_records_every_change():
    quarter = _quarter()
    resident = _resident()
    data = _inputs(quarter, resident, done=3, planned=5)  # 10 + 15 (60 %) + 30 = 55
    quarter_run(quarter=quarter)
    Quarter.objects.filter(pk=quarter.pk).update(status=QuarterStatus.PUBLISHED)
    QuarterInput.objects.filter(pk=data.pk).update(milestones_done=4)  # the appeal showed 4 of 5 done → 20
    changes = quarter_recompute(quarter=quarter, reason="复核成立：里程碑完成数更正为 4")
    fields = {change.field: (change.before, change.after) for change in changes}
    assert fields["completion_points"] == ("15", "20")
    assert fields["total"] == ("55", "60")
    assert ScoreChange.objects.filter(quarter=quarter).count() == len(changes)
    assert ScoreCard.objects.get(quarter=quarter, resident=resident).total == 60


def test_the_scheduled_task_drafts_the_quarter_just_ended_and_is_safe_to_run_twice():
    """Beat fires daily at 02:00 (settings.CELERY_BEAT_SCHEDULE); the catch-up cases are in
    tests/faults/test_quarter_catch_up.py."""
    import time_machine

    from scoring.tasks import run_quarter_just_ended

    _resident()
    with time_machine.travel(datetime(2026, 10, 1, 2, 0, tzinfo=SH), tick=False):
        first = run_quarter_just_ended.delay().get()
        again = run_quarter_just_ended.delay().get()
    quarter = Quarter.objects.get()
    assert (quarter.year, quarter.number, quarter.status) == (2026, 3, QuarterStatus.DRAFTED)
    assert first == [{"quarter": "2026 Q3", "cards": 1, "eliminated": 1, "warnings": 0}]  # no inputs: below 60
    assert again == []  # a quarter already run is left alone


def test_the_beat_entry_runs_daily_at_two():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["scoring-run-quarter-just-ended"]
    schedule = entry["schedule"]
    assert entry["task"] == "scoring.tasks.run_quarter_just_ended"
    assert (schedule.hour, schedule.minute, len(schedule.day_of_month), len(schedule.month_of_year)) == (
        {2}, {0}, 31, 12)


def test_a_recomputation_keeps_the_cards_and_their_appeals():
    quarter = _quarter()
    resident = _resident()
    data = _inputs(quarter, resident, done=3, planned=5)
    quarter_run(quarter=quarter)
    card = ScoreCard.objects.get(quarter=quarter)
    ScoreAppealFactory(card=card, reason="x", submitted_at=datetime(2026, 10, 12, tzinfo=SH),
                       answer_due_at=datetime(2026, 10, 15, tzinfo=SH))
    Quarter.objects.filter(pk=quarter.pk).update(status=QuarterStatus.PUBLISHED)
    QuarterInput.objects.filter(pk=data.pk).update(milestones_done=5)
    quarter_recompute(quarter=quarter, reason="复核成立")
    assert ScoreCard.objects.get(quarter=quarter).pk == card.pk


def test_the_run_writes_what_the_pure_rules_give_for_a_generated_cohort(administrator):
    """The one statement (rules compiled to SQL, facts gathered in SQL) against ``scoring.rules`` applied
    resident by resident to the same facts (``inputs_from``): plans in every state or none, results drafted,
    submitted, verified or corrected with claims rejected, unverified awards, attendance, history with gaps."""
    import random

    from resources.selectors.activities import participation
    from scoring import quarters
    from scoring.rules import PlanFacts, ResultFacts, evaluate_cohort, inputs_from, score
    from tests.resources.support import attend, make_activity, sh

    generator = random.Random(2)  # a seed whose cohort reaches every outcome and every claim state
    quarter = _quarter()
    q1 = _quarter(number=1, status=QuarterStatus.FINAL, rulebook_version=1)
    q2 = _quarter(number=2, status=QuarterStatus.FINAL, rulebook_version=1)
    activities = [make_activity(administrator, starts_at=sh(2026, 7, 6, 14) + timedelta(weeks=2 * i)) for i in range(6)]
    levels = ["national", "provincial", "industry_provincial", "municipal", "industry_municipal"]
    residents, history = [], {}
    for _ in range(40):
        resident = _resident()
        residents.append(resident)
        for activity in activities:
            if generator.random() < 0.7:
                attend(activity, resident, administrator)
        if generator.random() < 0.85:
            planned = generator.choice([0, 3, 5, 10])
            status = generator.choice([InputStatus.DRAFT, InputStatus.SUBMITTED, InputStatus.VERIFIED,
                                       InputStatus.CORRECTED])
            reviewed = status in (InputStatus.VERIFIED, InputStatus.CORRECTED)
            data = _inputs(quarter, resident, done=generator.randint(0, planned), planned=planned,
                           revenue=str(generator.choice([0, 50000, 60000, 79999.99, 80000, 100000])),
                           target=str(generator.choice([0, 100000])), status=status,
                           plan=generator.choice([PlanStatus.ACCEPTED] * 4 + [None, *PlanStatus.values]),
                           completion_rejected=reviewed and generator.random() < 0.2,
                           revenue_rejected=reviewed and generator.random() < 0.2)
            for level in generator.sample(levels, generator.choice([0, 0, 1, 2])):
                AwardClaim.objects.create(input=data, level=level, title=level, verified=generator.random() < 0.8)
            for _ in range(generator.randint(0, 3)):
                Contribution.objects.create(input=data, kind="tech_sharing", description="x",
                                            verified=generator.random() < 0.8)
        elif generator.random() < 0.5:  # an accepted plan and no results at all
            QuarterPlan.objects.create(quarter=quarter, resident=resident, milestones_planned=3,
                                       revenue_target=Decimal(0), status=PlanStatus.ACCEPTED)
        totals = {}
        for earlier in (q1, q2):
            if generator.random() < 0.7:
                totals[earlier.number] = generator.choice([55, 65, 69, 70, 90])
                ScoreCardFactory(
                    quarter=earlier, resident=resident, milestones_done=0, milestones_planned=0, revenue=0,
                    revenue_target=0, completion_points=0, revenue_points=0, total=totals[earlier.number],
                    computed_at=datetime(2026, 7, 1, tzinfo=SH),
                )
        consecutive = [totals[2]] if 2 in totals else []  # Q1 counts only when Q2 is there (no gap)
        if consecutive and 1 in totals:
            consecutive.insert(0, totals[1])
        history[resident.pk] = [Decimal(total) for total in consecutive]

    quarter_run(quarter=quarter)

    from opc_community import rulebook

    rules = rulebook.in_force(on=quarters.last_day(2026, 3))
    attendance = participation(quarters.first_day(2026, 3), quarters.last_day(2026, 3))
    expected_cards, expected_facts = {}, {}
    for resident in residents:
        attended, expected = attendance.get(resident.pk, (0, 0))
        plan = QuarterPlan.objects.filter(quarter=quarter, resident=resident).first()
        data = QuarterInput.objects.filter(quarter=quarter, resident=resident).first()
        facts = inputs_from(
            attended=attended, expected=expected,
            plan=PlanFacts(plan.status, plan.milestones_planned, plan.revenue_target) if plan else None,
            results=ResultFacts(data.status, data.milestones_done, data.revenue, data.completion_rejected,
                                data.revenue_rejected) if data else None,
            awards=AwardClaim.objects.filter(input__quarter=quarter, input__resident=resident, verified=True)
            .values_list("level", flat=True),
            contributions=Contribution.objects.filter(input__quarter=quarter, input__resident=resident,
                                                      verified=True).count(),
        )
        expected_facts[resident.pk] = facts
        expected_cards[resident.pk] = score(facts, rules.scoring)
    verdicts = evaluate_cohort({pk: Decimal(card.total) for pk, card in expected_cards.items()}, history,
                               rules.elimination)
    assert {verdict.outcome for verdict in verdicts.values()} == {"ok", "warning", "eliminated"}  # all exercised
    claims = {(facts.plan_accepted, facts.completion_claim, facts.revenue_claim) for facts in expected_facts.values()}
    assert {accepted for accepted, _, _ in claims} == {True, False}
    assert {claim for _, claim, _ in claims} == {"verified", "rejected", "missing"}  # every condition exercised
    written = {card.resident_id: card for card in ScoreCard.objects.filter(quarter=quarter)}
    assert set(written) == set(expected_cards)
    for pk, card in expected_cards.items():
        points = card.points()
        got = written[pk]
        facts = expected_facts[pk]
        assert (got.participation_points, got.completion_points, got.revenue_points, got.award_points,
                got.contribution_points, got.total) == (
            points["participation"], points["completion"], points["revenue"], points["awards"],
            points["contributions"], card.total)
        assert (got.milestones_planned, got.revenue_target, got.milestones_done, got.revenue, got.plan_accepted,
                got.completion_claim, got.revenue_claim) == (
            facts.milestones_planned, facts.revenue_target, facts.milestones_done, facts.revenue,
            facts.plan_accepted, facts.completion_claim, facts.revenue_claim)
        verdict = verdicts[pk]
        assert (got.rank, got.streak_below_threshold, got.outcome, tuple(got.reasons)) == (
            verdict.rank, verdict.streak_below_threshold, verdict.outcome, verdict.reasons)


# --- The conformance cases of the quarterly plan, through the whole run on stored rows ---------------------


@pytest.mark.parametrize("case", cases("quarterly_plan"), ids=case_id)
def test_conformance_quarterly_plan_through_the_run(case):
    """Each case of ``quarterly_plan`` (RULEBOOK §7.1, decision added 2026-12) as stored rows — the plan in
    its state (none: no row), the results verified by staff or corrected with the claim rejected — scored by
    the quarter run's one statement."""
    quarter = _quarter()
    resident = _resident()
    if case["plan"] != "none":
        QuarterPlan.objects.create(quarter=quarter, resident=resident, status=case["plan"],
                                   milestones_planned=case["milestones_planned"] or 0,
                                   revenue_target=Decimal(case["revenue_target"] or 0))
    rejected = {"completion_rejected": case.get("milestones_claim") == "rejected",
                "revenue_rejected": case.get("revenue_claim") == "rejected"}
    QuarterInput.objects.create(
        quarter=quarter, resident=resident, milestones_done=case["milestones_done"], revenue=Decimal(case["revenue"]),
        status=InputStatus.CORRECTED if any(rejected.values()) else InputStatus.VERIFIED, **rejected,
    )
    quarter_run(quarter=quarter)
    card = ScoreCard.objects.get(quarter=quarter, resident=resident)
    got = {"completion": card.completion_points, "revenue": card.revenue_points}
    assert {key: got[key] for key in case["points"]} == case["points"]
