"""Reads of the quarterly service-quality survey (第五章第四条): the survey open today, whether a resident
answered, and the results per service area beside the previous quarter's — always through the group-size
rule (``resources.rules.surveys.results``), never per resident."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from opc_community import rulebook
from residents.models import Resident
from resources.models import Survey, SurveyResponse, SurveyTally
from resources.rules import quarters
from resources.rules import surveys as rules


def open_survey(*, today: date | None = None) -> Survey | None:
    today = today or timezone.localdate()
    return Survey.objects.filter(opens_on__lte=today, closes_on__gte=today).first()


def answered(survey: Survey, resident: Resident) -> SurveyResponse | None:
    return SurveyResponse.objects.filter(survey=survey, resident=resident).first()


def previous_of(survey: Survey) -> Survey | None:
    year, quarter = quarters.previous_quarter(survey.year, survey.quarter)
    return Survey.objects.filter(year=year, quarter=quarter).first()


def min_group(survey: Survey) -> int:
    """The group size of the rulebook in force on the survey's opening day."""
    return rulebook.in_force(on=survey.opens_on).surveys.min_group_size


def results_of(survey: Survey) -> list[rules.AreaResult]:
    """Results per area with the group-size rule applied (one query for the counters)."""
    tallies = [rules.Tally(area=t.area, question=t.question, score=t.score, count=t.count)
               for t in SurveyTally.objects.filter(survey=survey, count__gt=0)]
    return rules.results(tallies, questions=survey.questions, min_group=min_group(survey))


@dataclass(frozen=True)
class Comparison:
    """One service area this quarter and the quarter before (None: no such area or survey then)."""

    code: str
    title: str
    current: rules.AreaResult
    previous: rules.AreaResult | None

    @property
    def change(self) -> Decimal | None:
        now = self.current.area.average
        before = self.previous.area.average if self.previous else None
        return None if now is None or before is None else now - before


def comparison(survey: Survey) -> tuple[list[Comparison], Survey | None, int, int]:
    """(areas side by side, previous survey, respondents now, respondents before)."""
    previous = previous_of(survey)
    before = {area.code: area for area in results_of(previous)} if previous else {}
    rows = [Comparison(code=area.code, title=area.title, current=area, previous=before.get(area.code))
            for area in results_of(survey)]
    responded_now = survey.responses.count()
    responded_before = previous.responses.count() if previous else 0
    return rows, previous, responded_now, responded_before


def latest_closed(*, today: date | None = None) -> Survey | None:
    """The last survey whose quarter is over (its results are final)."""
    today = today or timezone.localdate()
    return Survey.objects.filter(closes_on__lt=today).order_by("-year", "-quarter").first()
