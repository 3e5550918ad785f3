"""Shared arrangements for the score-card, appeal and dashboard tests (no tests here): a published quarter.

The cast (2026 Q3, published on Monday 2026-10-12 10:00; the window ends Thursday 10-15 23:59:59):
张三 (resident A) 75 points (ok) after 82 in Q2; 欧阳娜娜 (resident B) 65 after 65 in Q2 (warning list);
王小明 submitted nothing (eliminated, below 60).
"""

from dataclasses import dataclass

from residents.models import Resident
from scoring.models import Contribution, InputStatus, Quarter, QuarterStatus, ScoreCard
from scoring.services import signoff
from scoring.services.run import quarter_run
from tests.residents.factories import AgreementFactory
from tests.scoring.factories import ScoreCardFactory
from tests.scoring.support.inputs import at, make_quarter, member, sh, stored_input

PUBLISHED_AT = sh(2026, 10, 12, 10)  # Monday
IN_WINDOW = sh(2026, 10, 14, 11)  # Wednesday
AFTER_WINDOW = sh(2026, 10, 16, 9)  # Friday


@dataclass
class Cast:
    quarter: Quarter
    previous: Quarter
    good: Resident
    warned: Resident
    idle: Resident

    def card(self, resident: Resident, quarter: Quarter | None = None) -> ScoreCard:
        return ScoreCard.objects.select_related("quarter").get(quarter=quarter or self.quarter, resident=resident)


def drafted_cast(user_a, user_b) -> Cast:
    """The quarter run, not yet confirmed (a draft residents may not see)."""
    quarter = make_quarter()
    good = member(user_a, name="张三")
    warned = member(user_b, name="欧阳娜娜")
    idle = member(name="王小明")
    for resident in (good, warned, idle):
        AgreementFactory(resident=resident)
    data = stored_input(quarter, good, status=InputStatus.VERIFIED)  # plans accepted, results verified by staff
    Contribution.objects.create(input=data, kind="open_source", description="SDK", verified=True)
    stored_input(quarter, warned, status=InputStatus.VERIFIED)
    previous = make_quarter(number=2, status=QuarterStatus.FINAL, rulebook_version=1)
    ScoreCardFactory(quarter=previous, resident=good, total=82, contribution_points=17)
    ScoreCardFactory(quarter=previous, resident=warned, total=65, streak_below_threshold=1)
    quarter_run(quarter=quarter)
    return Cast(quarter, previous, good, warned, idle)


def published_cast(user_a, user_b, administrator) -> Cast:
    cast = drafted_cast(user_a, user_b)
    signoff.quarter_confirm(quarter=cast.quarter, actor=administrator)
    with at(PUBLISHED_AT):
        signoff.quarter_publish(quarter=cast.quarter, actor=administrator)
    cast.quarter.refresh_from_db()
    return cast
