"""申诉 (第六章第三条): the resident's own card, in the publication window, answered within 3 working days;
upheld → inputs corrected and the quarter recomputed for everyone; dismissed → the score stands."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.notices.services import publication_close
from opc_community.portal.models import Notification
from scoring.models import QuarterStatus, ScoreAppeal, ScoreAppealStatus, ScoreChange
from scoring.selectors.quarters import publication_of
from scoring.services import appeals as services
from scoring.services.inputs import Correction
from scoring.tasks import flag_overdue_score_appeals
from tests.scoring.support.cards import AFTER_WINDOW, IN_WINDOW, drafted_cast, published_cast
from tests.scoring.support.inputs import at, sh

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(resident_a, resident_b, administrator):
    return published_cast(resident_a, resident_b, administrator)


def submit(cast, resident, *, when=IN_WINDOW, reason="我提交过财务报表，请核实。"):
    with at(when):
        return services.score_appeal_submit(card=cast.card(resident), resident=resident, reason=reason,
                                            actor=resident.user)


def test_an_appeal_is_due_in_3_working_days_and_staff_are_told(cast, administrator):
    appeal = submit(cast, cast.idle)
    assert timezone.localtime(appeal.answer_due_at).date() == date(2026, 10, 19)
    assert Notification.objects.filter(recipient=administrator, kind="scoring.appeal_submitted").count() == 1
    assert Notification.objects.filter(recipient=cast.idle.user, kind="scoring.appeal_received").count() == 1


def test_refusals_write_nothing(cast, resident_a, resident_b):
    with pytest.raises(PermissionDenied), at(IN_WINDOW):
        services.score_appeal_submit(card=cast.card(cast.warned), resident=cast.good, reason="x", actor=resident_a)
    with pytest.raises(DomainError) as blank:
        submit(cast, cast.warned, reason="   ")
    assert blank.value.field == "reason"
    with pytest.raises(DomainError) as late:
        submit(cast, cast.warned, when=AFTER_WINDOW)
    assert "2026年10月15日" in str(late.value.message) and "第六章第三条" in str(late.value.message)
    assert not ScoreAppeal.objects.exists()


def test_the_last_second_of_the_window_still_counts(cast):
    submit(cast, cast.warned, when=sh(2026, 10, 15, 23, 59, 59))
    assert ScoreAppeal.objects.count() == 1


def test_one_pending_appeal_per_card(cast):
    submit(cast, cast.warned)
    with pytest.raises(ConflictError):
        submit(cast, cast.warned)


def test_a_draft_cannot_be_appealed(resident_a, resident_b):
    cast = drafted_cast(resident_a, resident_b)
    with pytest.raises(DomainError):
        submit(cast, cast.warned)
    assert not ScoreAppeal.objects.exists()


def test_dismissed_keeps_the_score_and_tells_the_resident(cast, administrator):
    appeal = submit(cast, cast.warned)
    with at(IN_WINDOW):
        decided, changes = services.score_appeal_decide(appeal=appeal, upheld=False, answer="签到记录无误。",
                                                        actor=administrator)
    assert (decided.status, decided.answer, changes) == (ScoreAppealStatus.DISMISSED, "签到记录无误。", [])
    assert cast.card(cast.warned).total == 65
    assert Notification.objects.filter(recipient=cast.warned.user, kind="scoring.appeal_decided").count() == 1


def test_only_the_administrator_decides(cast, oversight, daily_staff):
    appeal = submit(cast, cast.warned)
    for someone in (oversight, daily_staff, cast.warned.user):
        with pytest.raises(PermissionDenied):
            services.score_appeal_decide(appeal=appeal, upheld=False, answer="x", actor=someone)
    assert ScoreAppeal.objects.get().status == ScoreAppealStatus.PENDING


def test_an_answer_is_required_and_a_decided_appeal_stays_decided(cast, administrator):
    appeal = submit(cast, cast.warned)
    with pytest.raises(DomainError) as blank:
        services.score_appeal_decide(appeal=appeal, upheld=False, answer=" ", actor=administrator)
    assert blank.value.field == "answer"
    services.score_appeal_decide(appeal=appeal, upheld=False, answer="无误", actor=administrator)
    with pytest.raises(InvalidTransition):
        services.score_appeal_decide(appeal=appeal, upheld=True, answer="改判", actor=administrator)


def test_upheld_corrects_the_inputs_and_recomputes_everyone(cast, administrator):
    appeal = submit(cast, cast.idle)
    with at(IN_WINDOW):
        _decided, changes = services.score_appeal_decide(
            appeal=appeal, upheld=True, answer="复核成立：补录已提交的财务与进度数据", actor=administrator,
            correction=Correction(values={"milestones_done": 4, "revenue": "100000"},
                                  plan_values={"milestones_planned": 4, "revenue_target": "100000"}),
        )
    card = cast.card(cast.idle)
    assert card.total == 65 and card.outcome != "eliminated"  # 10 + 25 + 30
    assert {(c.resident_id, c.field) for c in changes} >= {(cast.idle.pk, "total"), (cast.idle.pk, "outcome")}
    assert ScoreChange.objects.filter(quarter=cast.quarter).count() == len(changes)


def test_the_last_decision_after_the_window_lets_the_quarter_take_effect(cast, administrator):
    appeal = submit(cast, cast.warned)
    with at(AFTER_WINDOW):
        publication_close(publication=publication_of(cast.quarter), now=timezone.now())
        cast.quarter.refresh_from_db()
        assert cast.quarter.status == QuarterStatus.PUBLISHED  # held back by the pending appeal
        services.score_appeal_decide(appeal=appeal, upheld=False, answer="无误", actor=administrator)
    cast.quarter.refresh_from_db()
    assert cast.quarter.status == QuarterStatus.FINAL


def test_overdue_appeals_are_flagged_once(cast, administrator):
    submit(cast, cast.warned)
    later = sh(2026, 10, 20, 9)
    assert services.score_appeals_flag_overdue(now=later) == 1
    assert services.score_appeals_flag_overdue(now=later) == 0
    assert Notification.objects.filter(recipient=administrator, kind="scoring.appeal_overdue").count() == 1


def test_the_hourly_task_flags_late_appeals(cast, administrator):
    submit(cast, cast.warned)
    with at(sh(2026, 10, 20, 9)):
        assert flag_overdue_score_appeals() == 1
