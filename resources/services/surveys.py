"""The quarterly service-quality survey (服务质量评估, 第五章第四条): every state change.

- the daily job (or staff in the admin) opens the survey of the current quarter once, with the
  questions and the scale of the rulebook in force on its first day, and creates its counters;
- a checked-in resident answers once per quarter (the unique constraint ``survey_answered_once``
  refuses a second answer, under concurrent submissions too); the answer adds one to a counter per
  question — the counters carry neither the resident nor a time and are not audited, so the answers
  cannot be traced back (anonymous to staff; see ``resources.models.surveys``);
- after the quarter, the job evaluates the survey once: every service area shown (at least
  ``surveys.min_group_size`` answers) with an average below ``surveys.low_score_threshold`` opens an
  improvement item and the resources team is told; staff close an item with a note.

Answering is not a guarded action (RULEBOOK §9 lists no scope covering it): a suspended resident's
view of the service is still asked for.
"""

from collections.abc import Mapping
from datetime import date
from typing import Any, NoReturn

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community import rulebook
from opc_community.accounts.actors import Actor
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.portal.services import notify
from residents.models import Resident, ResidentStatus
from resources.models import ImprovementItem, Survey, SurveyResponse, SurveyTally
from resources.rules import quarters
from resources.rules import surveys as rules
from resources.services.stage import HANDLERS, is_handler

NOTE_MAX_LENGTH = 2000
REFUSALS = {
    "unknown": gettext_lazy("These answers do not belong to this survey; reload the page."),
    "out_of_scale": gettext_lazy("Answer each question from 1 to %(max)s."),
    "empty": gettext_lazy("Answer at least one question (leave a service you did not use empty)."),
}


def _refuse(message: Any, *, field: str | None = None, code: str = "invalid") -> NoReturn:
    raise DomainError(message, field=field, code=code)


@transaction.atomic
def survey_ensure(*, year: int, quarter: int, actor: Actor = None) -> Survey:
    """The survey of a quarter, opened once with the rulebook's questions in force on its first day (idempotent)."""
    existing = Survey.objects.filter(year=year, quarter=quarter).first()
    if existing is not None:
        return existing
    opens_on, closes_on = quarters.quarter_days(year, quarter)
    book = rulebook.in_force(on=opens_on)
    questions = {code: {"title": area.title, "questions": dict(area.questions)}
                 for code, area in book.surveys.areas.items()}
    try:
        with transaction.atomic(), acting_as(actor, action="resources.survey_open"):
            survey = Survey.objects.create(year=year, quarter=quarter, opens_on=opens_on, closes_on=closes_on,
                                           questions=questions, scale_max=book.surveys.scale_max,
                                           rulebook_version=book.version)
    except IntegrityError:
        return Survey.objects.get(year=year, quarter=quarter)
    SurveyTally.objects.bulk_create([
        SurveyTally(survey=survey, area=area, question=question, score=score)
        for area, spec in questions.items() for question in spec["questions"]
        for score in range(1, survey.scale_max + 1)
    ])
    return survey


def survey_ensure_current(*, today: date | None = None) -> Survey:
    """The daily job: the current quarter's survey exists."""
    year, quarter = quarters.quarter_number(today or timezone.localdate())
    return survey_ensure(year=year, quarter=quarter)


def _scores(answers: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, int | None]]:
    cleaned: dict[str, dict[str, int | None]] = {}
    for area, scores in answers.items():
        cleaned[str(area)] = {}
        for question, value in (scores or {}).items():
            if value in (None, ""):
                cleaned[str(area)][str(question)] = None
                continue
            try:
                cleaned[str(area)][str(question)] = int(value)
            except (TypeError, ValueError):
                cleaned[str(area)][str(question)] = 0
    return cleaned


@transaction.atomic
def survey_answer(*, survey: Survey, resident: Resident, answers: Mapping[str, Mapping[str, Any]],
                  actor: Actor) -> SurveyResponse:
    """Record a resident's answers (area → question → score, or empty for a service not used) once."""
    if getattr(actor, "pk", None) != resident.user_id:
        _refuse(_("Only the resident itself answers the survey."), code="not_allowed")
    if resident.status not in (ResidentStatus.ACTIVE, ResidentStatus.EXITING):
        _refuse(_("The survey is answered by checked-in residents."), field="resident")
    today = timezone.localdate()
    if not rules.is_open(opens_on=survey.opens_on, closes_on=survey.closes_on, today=today):
        raise InvalidTransition(_("The survey of %(quarter)s is closed.") % {"quarter": str(survey)})
    scores = _scores(answers)
    refusal = rules.answer_refusal(scores, questions=survey.questions, scale_max=survey.scale_max)
    if refusal is not None:
        _refuse(str(REFUSALS[refusal]) % {"max": survey.scale_max}, field="answers")
    try:
        with transaction.atomic(), acting_as(actor, action="resources.survey_answer"):
            response = SurveyResponse.objects.create(survey=survey, resident=resident, answered_on=today)
    except IntegrityError as error:
        if "survey_answered_once" not in str(error):
            raise
        raise ConflictError(_("You already answered the survey of this quarter; it is answered once."),
                            code="already_answered") from error
    # The counters: no resident, no time, no audit (anonymous to staff, 第五章第四条).
    for area, area_scores in scores.items():
        for question, score in area_scores.items():
            if score is not None:
                SurveyTally.objects.filter(survey=survey, area=area, question=question, score=score).update(
                    count=F("count") + 1)
    return response


@transaction.atomic
def survey_evaluate(*, survey: Survey, now: Any = None) -> list[ImprovementItem]:
    """After the quarter: open an improvement item for each low-scoring area shown (once; idempotent)."""
    from resources.selectors.surveys import results_of

    survey = Survey.objects.select_for_update(no_key=True).get(pk=survey.pk)
    now = now or timezone.now()
    if survey.evaluated_at is not None:
        return []
    if timezone.localdate(now) <= survey.closes_on:
        raise InvalidTransition(_("The survey is evaluated after its quarter."))
    threshold = rulebook.in_force(on=survey.opens_on).surveys.low_score_threshold
    created = []
    with acting_as(None, action="resources.survey_evaluate"):
        for area in rules.low_areas(results_of(survey), threshold=threshold):
            created.append(ImprovementItem.objects.create(
                survey=survey, area=area.code, area_title=area.title, average=area.area.average,
                threshold=threshold, answers=area.area.answers, opened_at=now))
        survey.evaluated_at = now
        survey.save(update_fields=["evaluated_at"])
    if created:
        notify(recipients=members_of(Role.RESOURCES, Role.ADMINISTRATOR),
               title=lambda: _("Service-quality survey %(quarter)s: %(count)s areas to improve")
               % {"quarter": str(survey), "count": len(created)},
               body=lambda: "；".join(_("%(area)s averaged %(average)s (below %(threshold)s)")
                                     % {"area": item.area_title, "average": item.average, "threshold": threshold}
                                     for item in created),
               link=reverse("admin:resources_improvementitem_changelist"), kind="resources.survey_low_scores",
               dedupe_key=f"survey:{survey.pk}:low-scores")
    return created


def surveys_evaluate_due(*, now: Any = None) -> int:
    """The daily job: every survey whose quarter is over and not yet evaluated."""
    now = now or timezone.now()
    total = 0
    for survey in Survey.objects.filter(evaluated_at__isnull=True, closes_on__lt=timezone.localdate(now)):
        total += len(survey_evaluate(survey=survey, now=now))
    return total


@transaction.atomic
def improvement_close(*, item: ImprovementItem, note: str, actor: Actor) -> ImprovementItem:
    """Staff close an improvement item with what was done (第五章第四条: 根据评估结果优化服务)."""
    if not is_handler(actor):
        _refuse(_("Only the resources team or the administrator closes improvement items."), code="not_allowed")
    note = (note or "").strip()
    if not note:
        _refuse(_("Write what was done to improve this service area."), field="note")
    if len(note) > NOTE_MAX_LENGTH:
        _refuse(_("At most %(count)d characters.") % {"count": NOTE_MAX_LENGTH}, field="note")
    item = ImprovementItem.objects.select_for_update(no_key=True).get(pk=item.pk)
    if item.closed_at is not None:
        raise InvalidTransition(_("This improvement item is already closed."))
    with acting_as(actor, action="resources.improvement_close"):
        item.closed_at, item.closed_by, item.note = timezone.now(), actor, note
        item.save(update_fields=["closed_at", "closed_by", "note"])
    return item


__all__ = ["HANDLERS", "improvement_close", "survey_answer", "survey_ensure", "survey_ensure_current",
           "survey_evaluate", "surveys_evaluate_due"]
