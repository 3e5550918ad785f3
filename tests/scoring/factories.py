"""Factories of the scoring app's tables: quarters, inputs and contributions, score cards and appeals,
written straight in the ORM to arrange state (the services are tested on their own)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
from django.utils import timezone

from scoring.models import (
    AwardClaim,
    AwardLevel,
    Contribution,
    ContributionKind,
    InputStatus,
    Outcome,
    Quarter,
    QuarterInput,
    ScoreAppeal,
    ScoreCard,
)
from tests.residents.factories import ResidentFactory

SH = ZoneInfo("Asia/Shanghai")


class QuarterFactory(factory.django.DjangoModelFactory):
    """2026 Q3, open, its inputs due on 2026-10-09."""

    class Meta:
        model = Quarter

    year = 2026
    number = 3
    inputs_due_on = date(2026, 10, 9)


class QuarterInputFactory(factory.django.DjangoModelFactory):
    """Submitted results: four milestones done and 100,000 of revenue (the plan is a QuarterPlan of its own)."""

    class Meta:
        model = QuarterInput

    quarter = factory.SubFactory(QuarterFactory)
    resident = factory.SubFactory(ResidentFactory)
    status = InputStatus.SUBMITTED
    milestones_done = 4
    revenue = Decimal("100000")


class AwardClaimFactory(factory.django.DjangoModelFactory):
    """A verified municipal award of the quarterly inputs."""

    class Meta:
        model = AwardClaim

    input = factory.SubFactory(QuarterInputFactory)
    level = AwardLevel.MUNICIPAL
    title = "市创业大赛 二等奖"
    verified = True


class ContributionFactory(factory.django.DjangoModelFactory):
    """A verified open-source contribution."""

    class Meta:
        model = Contribution

    input = factory.SubFactory(QuarterInputFactory)
    kind = ContributionKind.OPEN_SOURCE
    description = "SDK"
    verified = True


class ScoreCardFactory(factory.django.DjangoModelFactory):
    """A card of a quarter scored before (computed 2026-07-01): 65 points, rank 1, outcome "ok" —
    no activity expected (10), every milestone done (25), revenue target met (30)."""

    class Meta:
        model = ScoreCard

    quarter = factory.SubFactory(QuarterFactory, number=2, inputs_due_on=date(2026, 7, 10))
    resident = factory.SubFactory(ResidentFactory)
    attended = 0
    expected = 0
    milestones_done = 4
    milestones_planned = 4
    revenue = 1
    revenue_target = 1
    contributions = 0
    participation_points = 10
    completion_points = 25
    revenue_points = 30
    award_points = 0
    contribution_points = 0
    total = 65
    rank = 1
    streak_below_threshold = 0
    outcome = Outcome.OK
    computed_at = datetime(2026, 7, 1, 2, tzinfo=SH)


class ScoreAppealFactory(factory.django.DjangoModelFactory):
    """The card's resident appeals now; the answer is due three days later."""

    class Meta:
        model = ScoreAppeal

    card = factory.SubFactory(ScoreCardFactory)
    resident = factory.LazyAttribute(lambda appeal: appeal.card.resident)
    reason = "漏计奖项"
    submitted_at = factory.LazyFunction(timezone.now)
    answer_due_at = factory.LazyAttribute(lambda appeal: appeal.submitted_at + timedelta(days=3))
