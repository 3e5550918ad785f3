"""The quarterly service-quality survey (第五章第四条) and the standing notices (第四章第四条 2): a survey per
quarter with the rulebook's questions, answered once (the database refuses a second), counted without the
resident, results per group of at least N beside the previous quarter, improvement items for low areas,
and the public notices kept up to date without duplicates."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from opc_community.core.errors import ConflictError, DomainError
from opc_community.notices.models import Publication, PublicationKind
from resources.models import ImprovementItem, StandingNotice, SurveyResponse, SurveyTally
from resources.selectors import surveys as selectors
from resources.services import board
from resources.services import surveys as services
from tests.resources.support import at, member, programme, sh

pytestmark = pytest.mark.django_db

ALL_FIVE = {"spaces": {"cleanliness": 5, "booking": 4}, "resources": {"vouchers": 5, "matching": None}}
LOW = {"spaces": {"cleanliness": 2, "booking": 3}, "operations": {"complaints": 5}}


def test_the_current_survey_is_opened_once_with_the_rulebooks_questions():
    survey = services.survey_ensure_current()
    assert (survey.year, survey.quarter) == (2026, 4)
    assert (survey.opens_on, survey.closes_on) == (date(2026, 10, 1), date(2026, 12, 31))
    assert survey.scale_max == 5 and survey.questions["spaces"]["title"] == "办公空间与公共设施"
    assert services.survey_ensure_current() == survey
    # one counter per question and answer value: 8 questions × 5
    assert SurveyTally.objects.filter(survey=survey).count() == 40


def test_a_resident_answers_once_and_the_database_refuses_a_second(member_a):
    survey = services.survey_ensure_current()
    services.survey_answer(survey=survey, resident=member_a, answers=ALL_FIVE, actor=member_a.user)
    with pytest.raises(ConflictError) as again:
        services.survey_answer(survey=survey, resident=member_a, answers=ALL_FIVE, actor=member_a.user)
    assert again.value.code == "already_answered"
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyResponse.objects.create(survey=survey, resident=member_a, answered_on=date(2026, 10, 12))
    counted = dict(SurveyTally.objects.filter(survey=survey, count__gt=0).values_list("question", "count"))
    assert counted == {"cleanliness": 1, "booking": 1, "vouchers": 1}


def test_the_answers_are_stored_without_the_resident():
    field_names = {field.name for field in SurveyTally._meta.get_fields()}
    assert not field_names & {"resident", "response", "user", "created_at", "answered_on"}
    assert not hasattr(SurveyTally, "pgh_event_model")  # no audit rows that would carry the actor and time


@pytest.mark.parametrize(("answers", "field"), [
    ({"spaces": {"cleanliness": 6}}, "answers"), ({"spaces": {"cleanliness": None}}, "answers"),
    ({"nope": {"x": 3}}, "answers"),
])
def test_wrong_answers_are_refused(member_a, answers, field):
    survey = services.survey_ensure_current()
    with pytest.raises(DomainError) as refused:
        services.survey_answer(survey=survey, resident=member_a, answers=answers, actor=member_a.user)
    assert refused.value.field == field
    assert not SurveyResponse.objects.exists()


def test_only_the_resident_itself_answers_and_only_while_open(member_a, member_b):
    survey = services.survey_ensure(year=2026, quarter=3)
    with pytest.raises(DomainError) as closed:
        services.survey_answer(survey=survey, resident=member_a, answers=ALL_FIVE, actor=member_a.user)
    assert closed.value.code == "invalid_transition"
    current = services.survey_ensure_current()
    with pytest.raises(DomainError) as other:
        services.survey_answer(survey=current, resident=member_a, answers=ALL_FIVE, actor=member_b.user)
    assert other.value.code == "not_allowed"


def _answered_by(count, answers, survey):
    for index in range(count):
        resident = member(name=f"居民{survey.quarter}{index}")
        services.survey_answer(survey=survey, resident=resident, answers=answers, actor=resident.user)


def test_results_beside_the_previous_quarter_and_the_group_rule():
    with at(sh(2026, 8, 3, 10, 0)):
        previous = services.survey_ensure_current()
        _answered_by(5, LOW, previous)
    survey = services.survey_ensure_current()
    _answered_by(5, ALL_FIVE, survey)
    rows, before, responded, responded_before = selectors.comparison(survey)
    assert before == previous and (responded, responded_before) == (5, 5)
    spaces = next(row for row in rows if row.code == "spaces")
    assert str(spaces.current.area.average) == "4.50" and str(spaces.previous.area.average) == "2.50"
    assert str(spaces.change) == "2.00"
    operations = next(row for row in rows if row.code == "operations")
    assert operations.current.area.average is None  # nobody answered this quarter
    resources = next(row for row in rows if row.code == "resources")
    assert resources.current.questions["matching"].average is None  # "not used" by everyone


def test_a_finished_quarter_opens_improvement_items_once(resources_staff):
    with at(sh(2026, 8, 3, 10, 0)):
        previous = services.survey_ensure_current()
        _answered_by(5, LOW, previous)
        with pytest.raises(DomainError):
            services.survey_evaluate(survey=previous)  # not before the quarter is over
    assert services.surveys_evaluate_due() == 1
    assert services.surveys_evaluate_due() == 0  # once
    item = ImprovementItem.objects.get()
    assert (item.area, str(item.average), item.answers) == ("spaces", "2.50", 10)
    with pytest.raises(DomainError) as no_note:
        services.improvement_close(item=item, note=" ", actor=resources_staff)
    assert no_note.value.field == "note"
    item = services.improvement_close(item=item, note="增加保洁频次", actor=resources_staff)
    assert item.closed_at is not None and item.closed_by == resources_staff


def test_the_standing_notices_are_opened_once_and_then_updated(member_a, resources_staff, administrator):
    programme(title="算力券 · 第一期", budget="100000")
    assert board.standing_notices_refresh() == {"resource-supply": "opened", "service-quality": ""}
    assert board.standing_notices_refresh() == {"resource-supply": "unchanged", "service-quality": ""}
    publication = Publication.objects.get(kind=PublicationKind.RESOURCE_SUPPLY, title__startswith="资源供给")
    assert "算力券 · 第一期" in publication.body and "100000.00" in publication.body
    from tests.resources.support import granted

    granted(member_a, resources_staff, amount="1000", prog=programme(title="模型券 · 第二期", budget="5000"))
    with at(sh(2026, 10, 13, 1, 0)):
        assert board.standing_notices_refresh()["resource-supply"] == "updated"
    publication.refresh_from_db()
    assert "模型券 · 第二期" in publication.body and "4000.00" in publication.body
    assert StandingNotice.objects.count() == 1
    assert Publication.objects.filter(kind=PublicationKind.RESOURCE_SUPPLY, title__startswith="资源供给").count() == 1
    assert "张三" not in publication.body


def test_the_survey_summary_goes_on_the_board_after_the_quarter(administrator):
    with at(sh(2026, 8, 3, 10, 0)):
        previous = services.survey_ensure_current()
        _answered_by(5, LOW, previous)
    done = board.standing_notices_refresh()
    assert done["service-quality"] == "opened"
    notice = StandingNotice.objects.get(key="service-quality").publication
    assert notice.kind == PublicationKind.SERVICE_PROCEDURE
    assert "2026" in notice.title and "2.50" in notice.body
    assert "居民" not in notice.body  # no names
    assert board.standing_notices_refresh()["service-quality"] == "unchanged"
