"""Records the regulation keeps (RULEBOOK §4.7, §10) cannot be deleted, whoever asks: penalty measures,
appeals (discipline and score), score cards of a confirmed quarter, quarterly inputs, recorded score
changes, publications and complaint messages. The database refuses — through the ORM and in plain SQL —
while the state changes they go through keep working (their own test folders), a draft score card is
still replaced by a re-run, and score cards have an audit trail.

As the application role (no trigger switched off, no right to delete): tests/faults/test_database_roles.py.
"""

import pghistory.models
import pytest
from django.db import DatabaseError, connection, transaction

from discipline.models import Appeal, PenaltyMeasure
from discipline.services import appeals
from opc_community.notices.models import Publication
from residents.models import ComplaintMessage
from residents.services import complaints as complaint_services
from scoring.models import QuarterInput, QuarterStatus, ScoreAppeal, ScoreCard, ScoreChange
from scoring.services import appeals as score_appeals
from scoring.services import signoff
from scoring.services.run import quarter_recompute, quarter_run
from tests.discipline.support.cases import TODAY, on_day, open_case, to_published
from tests.residents.support.complaints import file_complaint
from tests.scoring.support.cards import IN_WINDOW, drafted_cast, published_cast
from tests.scoring.support.inputs import at, sh

pytestmark = pytest.mark.django_db

AFTER_THE_QUARTER = sh(2027, 1, 4, 9)  # 2026 Q3 is scored


@pytest.fixture
def kept(daily_staff, administrator, resident_a, resident_b):
    """One row of each kept type, reached through the services."""
    cast = published_cast(resident_a, resident_b, administrator)
    card, member = cast.card(cast.good), cast.good
    with at(IN_WINDOW):
        score_appeal = score_appeals.score_appeal_submit(card=card, resident=member, reason="我提交过财务报表，请核实。",
                                                         actor=member.user)
    with on_day(TODAY):
        case = open_case(member, daily_staff)
        publication = to_published(case, daily_staff, administrator)
        appeal = appeals.appeal_submit(case=case, resident=member, reason="当天我不在社区。", actor=member.user)
    complaint = file_complaint(member)
    message = complaint_services.complaint_message(complaint=complaint, text="空调仍不制冷。", actor=member.user)
    change = ScoreChange.objects.create(quarter=cast.quarter, resident=cast.good, field="total", before="70",
                                        after="75", reason="申诉成立")
    return {
        PenaltyMeasure: case.measures.first(),
        Appeal: appeal,
        ScoreAppeal: score_appeal,
        ScoreCard: card,
        QuarterInput: QuarterInput.objects.filter(quarter=cast.quarter).first(),
        ScoreChange: change,
        Publication: publication,
        ComplaintMessage: message,
    }


def _refused(statement) -> str:
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        statement()
    return str(refused.value)


def test_the_kept_records_cannot_be_deleted(kept):
    for model, row in kept.items():
        assert row is not None, model
        table = model._meta.db_table
        _refused(lambda model=model, row=row: model.objects.filter(pk=row.pk).delete())

        def sql_delete(table=table, row=row):
            with connection.cursor() as cursor:
                cursor.execute(f'DELETE FROM "{table}" WHERE id = %s', [row.pk])  # noqa: S608 - model tables

        _refused(sql_delete)
        assert model.objects.filter(pk=row.pk).exists(), model


def test_recorded_score_changes_and_complaint_messages_are_never_edited(kept):
    assert "Cannot update" in _refused(lambda: ScoreChange.objects.filter(pk=kept[ScoreChange].pk).update(after="99"))
    message = kept[ComplaintMessage]
    assert "Cannot update" in _refused(lambda: ComplaintMessage.objects.filter(pk=message.pk).update(body="改写"))


def test_what_a_penalty_decided_never_changes_but_applying_it_is_recorded(kept):
    measure = kept[PenaltyMeasure]
    _refused(lambda: PenaltyMeasure.objects.filter(pk=measure.pk).update(days=99))
    PenaltyMeasure.objects.filter(pk=measure.pk).update(note="已送达")  # what the effect produced: allowed
    measure.refresh_from_db()
    assert measure.note == "已送达"


def test_a_draft_score_card_is_replaced_by_a_re_run_but_a_confirmed_quarter_keeps_its_cards(
    resident_a, resident_b, administrator
):
    cast = drafted_cast(resident_a, resident_b)
    idle = cast.card(cast.idle)
    # A resident no longer in the cohort (checked in after the quarter, say a corrected date): the draft's
    # re-run removes the card.
    type(cast.idle).objects.filter(pk=cast.idle.pk).update(checked_in_at=AFTER_THE_QUARTER)
    quarter_run(quarter=cast.quarter)
    assert not ScoreCard.objects.filter(pk=idle.pk).exists()
    # Once confirmed, the cards are kept: deletion refused, a recomputation removes none.
    signoff.quarter_confirm(quarter=cast.quarter, actor=administrator)
    cast.quarter.refresh_from_db()
    assert cast.quarter.status == QuarterStatus.CONFIRMED
    good = cast.card(cast.good)
    assert "第六章第二条" in _refused(lambda: ScoreCard.objects.filter(pk=good.pk).delete())
    type(cast.good).objects.filter(pk=cast.good.pk).update(checked_in_at=AFTER_THE_QUARTER)
    quarter_recompute(quarter=cast.quarter, reason="核对", actor=administrator)
    assert ScoreCard.objects.filter(pk=good.pk).exists()


def _events(card: ScoreCard):
    return pghistory.models.Events.objects.tracks(card).order_by("pgh_created_at", "pgh_id")


def test_score_cards_have_an_audit_trail(resident_a, resident_b, administrator):
    """Recorded by statement (the run writes every card in one): each card still gets its own event."""
    cast = drafted_cast(resident_a, resident_b)
    card = cast.card(cast.good)
    [inserted] = _events(card)
    assert inserted.pgh_label == "insert" and inserted.pgh_data["total"] == card.total
    assert inserted.pgh_context["action"] == "scoring.quarter_run"
    quarter_run(quarter=cast.quarter, actor=administrator)  # nothing changed: no event
    assert _events(card).count() == 1
    QuarterInput.objects.filter(quarter=cast.quarter, resident=cast.good).update(revenue=0)
    quarter_run(quarter=cast.quarter, actor=administrator)
    card.refresh_from_db()
    updated = _events(card).last()
    assert (updated.pgh_label, updated.pgh_context["user"]) == ("update", administrator.pk)
    assert updated.pgh_diff["total"][1] == card.total
