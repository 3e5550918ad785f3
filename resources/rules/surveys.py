"""The quarterly service-quality survey (服务质量评估, 第五章第四条) as pure functions.

**Decisions** (docs/resources.md): a survey covers one calendar quarter and is answered during that
quarter; a result — of a question or of a service area — is shown only when at least
``surveys.min_group_size`` answers make it (fewer: "too few answers", no number at all); an area's
average is over every answer to its questions; an area whose average is below
``surveys.low_score_threshold`` opens one improvement item per quarter.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

TWO_PLACES = Decimal("0.01")


def is_open(*, opens_on: date, closes_on: date, today: date) -> bool:
    return opens_on <= today <= closes_on


def answer_refusal(answers: Mapping[str, Mapping[str, int | None]], *, questions: Mapping[str, Mapping[str, object]],
                   scale_max: int) -> str | None:
    """Why a set of answers (area → question → score or None for "not used") is refused, or None.

    Returns a code: ``unknown`` (a question not in the survey), ``out_of_scale``, ``empty`` (nothing answered).
    """
    given = 0
    for area, scores in answers.items():
        area_questions = questions.get(area)
        if not isinstance(area_questions, Mapping):
            return "unknown"
        known = area_questions.get("questions")
        for question, score in scores.items():
            if not isinstance(known, Mapping) or question not in known:
                return "unknown"
            if score is None:
                continue
            if not 1 <= score <= scale_max:
                return "out_of_scale"
            given += 1
    return None if given else "empty"


@dataclass
class Result:
    """One question's or one area's result: shown only with at least ``min_group`` answers."""

    answers: int = 0
    total: int = 0
    shown: bool = False

    @property
    def average(self) -> Decimal | None:
        if not self.shown or not self.answers:
            return None
        return (Decimal(self.total) / self.answers).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


@dataclass
class AreaResult:
    code: str
    title: str
    area: Result = field(default_factory=Result)
    questions: dict[str, Result] = field(default_factory=dict)
    question_texts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Tally:
    area: str
    question: str
    score: int
    count: int


def results(tallies: Iterable[Tally], *, questions: Mapping[str, Mapping[str, object]],
            min_group: int) -> list[AreaResult]:
    """Results per service area (in the survey's order) from the counters, with the group-size rule applied:
    a question or an area with fewer than ``min_group`` answers shows no average."""
    areas: dict[str, AreaResult] = {}
    for code, spec in questions.items():
        texts = spec.get("questions")
        texts = dict(texts) if isinstance(texts, Mapping) else {}
        areas[code] = AreaResult(code=code, title=str(spec.get("title", code)),
                                 questions={q: Result() for q in texts},
                                 question_texts={q: str(t) for q, t in texts.items()})
    for tally in tallies:
        area = areas.get(tally.area)
        if area is None or tally.question not in area.questions:
            continue
        for result in (area.area, area.questions[tally.question]):
            result.answers += tally.count
            result.total += tally.score * tally.count
    for area in areas.values():
        area.area.shown = area.area.answers >= min_group
        for result in area.questions.values():
            result.shown = result.answers >= min_group
    return list(areas.values())


def low_areas(areas: Iterable[AreaResult], *, threshold: Decimal) -> list[AreaResult]:
    """The areas shown whose average is below the threshold (each opens an improvement item)."""
    return [a for a in areas if a.area.average is not None and a.area.average < threshold]


def share_of(average: Decimal | None, scale_max: int) -> int:
    """An average as a percentage of the scale (for the chart's bar length); 0 when not shown."""
    if average is None:
        return 0
    return int((average * 100 / scale_max).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
