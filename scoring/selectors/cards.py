"""Reading score cards (第六章): a resident's own cards, the rule behind each band, the outlook, the history.

A resident sees its cards of *published* and *final* quarters only (a draft or a confirmed but
unpublished quarter is the administrator's, PIPL Art. 24 human sign-off); another resident's card
is simply not found (the views answer 404).

Every number of the explanation comes from the rulebook version the quarter was scored with
(``scoring.selectors.quarters.rules_for``), so a later revision never changes what an old card says.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from math import ceil, floor
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community import rulebook, workdays
from opc_community.core import charts
from opc_community.notices.models import Publication
from opc_community.rulebook.schema import Band, Rulebook
from residents.models import Resident
from scoring import rules as scoring_rules
from scoring.models import (
    AwardLevel,
    ClaimState,
    Outcome,
    Quarter,
    QuarterStatus,
    ScoreAppeal,
    ScoreAppealStatus,
    ScoreCard,
)
from scoring.rules import bottom_percent, number_text, reason_text
from scoring.selectors.quarters import publication_of, rules_for

#: Quarters whose cards residents (and the API) may read.
VISIBLE_STATUSES = (QuarterStatus.PUBLISHED, QuarterStatus.FINAL)
ARTICLE_SCORING = "第六章第一条"
ARTICLE_ELIMINATION = "第六章第二条"
ARTICLE_APPEAL = "第六章第三条"


def _dimension_labels() -> dict[str, str]:
    return {
        "participation": _("Participation"),
        "completion": _("Project completion"),
        "revenue": _("Revenue"),
        "awards": _("Awards and honours"),
        "contributions": _("Team and technical contributions"),
    }


# --- Queries ---------------------------------------------------------------------------------------------


def resident_cards(resident: Resident) -> QuerySet[ScoreCard]:
    """The resident's visible cards, oldest quarter first (one query, quarter joined)."""
    return (
        ScoreCard.objects.filter(resident=resident, quarter__status__in=VISIBLE_STATUSES)
        .select_related("quarter")
        .order_by("quarter__year", "quarter__number")
    )


def card_for_resident(resident: Resident, pk: int) -> ScoreCard | None:
    """One of the resident's visible cards, or None (another resident's, a draft: not found)."""
    return resident_cards(resident).filter(pk=pk).first()


def visible_cards() -> QuerySet[ScoreCard]:
    """Every visible card (staff readers of the API filter it), resident and quarter joined."""
    return ScoreCard.objects.filter(quarter__status__in=VISIBLE_STATUSES).select_related("quarter", "resident")


def appeal_window_open(quarter: Quarter, publication: Publication | None, now: datetime) -> bool:
    """Appeals are accepted while the quarter is published and its publication window is open."""
    return quarter.status == QuarterStatus.PUBLISHED and publication is not None and publication.is_window_open(now)


# --- The rule behind each band ---------------------------------------------------------------------------


def _rate_range(bands: Sequence[Band], index: int) -> str:
    """The interval of a percentage band in words, exact at both ends (RULEBOOK §7.1 decisions)."""
    band = bands[index]
    above = bands[index - 1] if index else None
    low = f"{number_text(band.min)}%" if band.min is not None else None
    high = f"{number_text(above.min)}%" if above is not None and above.min is not None else None
    high_included = above is not None and not above.min_inclusive
    if low is None:
        return (_("%(high)s or less") if high_included else _("below %(high)s")) % {"high": high}
    if high is None:
        return (_("%(low)s or more") if band.min_inclusive else _("above %(low)s")) % {"low": low}
    if band.min_inclusive and high_included:
        return f"{low}–{high}"
    if band.min_inclusive:
        return _("%(low)s to under %(high)s") % {"low": low, "high": high}
    if high_included:
        return _("above %(low)s up to %(high)s") % {"low": low, "high": high}
    return _("between %(low)s and %(high)s (both excluded)") % {"low": low, "high": high}


def _count_range(bands: Sequence[Band], index: int) -> str:
    """The interval of a count band as whole numbers ("2 items", "3 items or more", "0 items")."""
    band = bands[index]
    above = bands[index - 1] if index else None
    low = 0 if band.min is None else (ceil(band.min) if band.min_inclusive else floor(band.min) + 1)
    high = None
    if above is not None and above.min is not None:
        high = floor(above.min) if not above.min_inclusive else ceil(above.min) - 1
    if high is None:
        return _("%(low)s items or more") % {"low": low}
    if high == low:
        return _("%(count)s items") % {"count": low}
    return _("%(low)s–%(high)s items") % {"low": low, "high": high}


@dataclass(frozen=True)
class DimensionLine:
    """One dimension of a card as the resident reads it."""

    key: str
    label: str
    value_text: str  # "78%（7/9）", "省级", "2"
    points: int
    max_points: int
    rule_text: str  # "参与率 78%：60%–80% 得 5 分（第六章第一条）"


def _facts(card: ScoreCard) -> scoring_rules.QuarterInputs:
    """The pure rules' inputs of a stored card: every fact the run used is on the card."""
    return scoring_rules.QuarterInputs(
        attended=card.attended, expected=card.expected, milestones_done=card.milestones_done,
        milestones_planned=card.milestones_planned, revenue=card.revenue, revenue_target=card.revenue_target,
        awards=(card.award_level,) if card.award_level else (), contributions=card.contributions,
        plan_accepted=card.plan_accepted, completion_claim=card.completion_claim, revenue_claim=card.revenue_claim,
    )


def _absent(card: ScoreCard, key: str, sentence: dict[str, Any]) -> tuple[str, str]:
    """Why completion or revenue scored nothing (RULEBOOK §7.1, decision added 2026-12), in plain words."""
    claim = card.completion_claim if key == "completion" else card.revenue_claim
    if not card.plan_accepted:
        return _("no accepted plan"), _(
            "%(dimension)s: no quarterly plan accepted by staff → 0 points; results are measured against the "
            "accepted plan only (%(article)s)") % sentence
    if claim == ClaimState.REJECTED:
        return _("rejected by staff"), _(
            "%(dimension)s: the result was rejected by staff and counts as absent → 0 points (%(article)s)") % {
            **sentence, "article": ARTICLE_APPEAL}
    return _("no verified result"), _(
        "%(dimension)s: no result verified by staff → 0 points; only verified inputs count (%(article)s)") % {
        **sentence, "article": ARTICLE_APPEAL}


def explain(card: ScoreCard, book: Rulebook) -> list[DimensionLine]:
    """Each dimension with its value, points and the band that gave them (第六章第一条)."""
    labels = _dimension_labels()
    dimensions = {d.dimension: d for d in scoring_rules.score(_facts(card), book.scoring).dimensions}
    stored = {
        "participation": card.participation_points, "completion": card.completion_points,
        "revenue": card.revenue_points, "awards": card.award_points, "contributions": card.contribution_points,
    }
    fractions = {
        "participation": (card.attended, card.expected),
        "completion": (card.milestones_done, card.milestones_planned),
        "revenue": (card.revenue, card.revenue_target),
    }
    lines = []
    for key, label in labels.items():
        dimension = dimensions[key]
        section = getattr(book.scoring, key)
        points = stored[key]
        sentence = {"dimension": label, "points": points, "article": ARTICLE_SCORING}
        if key == "awards":
            level = str(AwardLevel(card.award_level).label) if card.award_level else ""
            value = level or _("none")
            rule = (_("%(dimension)s: highest verified award %(level)s → %(points)d points; awards do not add up "
                      "(%(article)s)") % {**sentence, "level": level}) if level else (
                _("%(dimension)s: no verified award this quarter → 0 points (%(article)s)") % sentence)
        elif dimension.band is None:  # completion or revenue that did not count
            value, rule = _absent(card, key, sentence)
        elif key == "contributions":
            value = _("%(count)s items") % {"count": card.contributions}
            bands = section.bands
            rule = _("%(dimension)s %(value)s: %(range)s → %(points)d points (%(article)s)") % {
                **sentence, "value": value, "range": _count_range(bands, bands.index(dimension.band))}
        else:
            numerator, denominator = fractions[key]
            shown = f"{number_text(dimension.value)}%"
            if key == "revenue":
                value = _("%(rate)s (¥%(revenue)s of ¥%(target)s)") % {
                    "rate": shown, "revenue": f"{numerator:,.2f}", "target": f"{denominator:,.2f}"}
            else:
                value = f"{shown}（{numerator}/{denominator}）"
            bands = section.bands
            rule = _("%(dimension)s %(value)s: %(range)s → %(points)d points (%(article)s)") % {
                **sentence, "value": shown, "range": _rate_range(bands, bands.index(dimension.band))}
            if not denominator and key == "participation":
                rule += _(" Nothing was expected (a zero denominator counts as %(rate)s%%).") % {
                    "rate": number_text(section.rate_when_nothing_expected)}
            elif not denominator:
                rule += _(" The accepted plan set zero (a zero accepted by staff counts as %(rate)s%%).") % {
                    "rate": number_text(section.rate_when_nothing_expected)}
        lines.append(DimensionLine(key, label, value, points, section.max_points, rule))
    return lines


# --- Warning status and what the next quarter needs (第六章第二条) --------------------------------------


@dataclass(frozen=True)
class Outlook:
    outcome: str
    outcome_label: str
    reasons: list[str]
    streak: int  # consecutive quarters below the warning line, this one included
    next_minimum: int | None  # the total next quarter needs to avoid elimination (None when eliminated)
    advice: list[str] = field(default_factory=list)


def outlook(card: ScoreCard, book: Rulebook) -> Outlook:
    """The card's verdict in plain words and what the next quarter needs (第六章第二条).

    The bottom-ratio rule depends on everyone's scores, so no total *guarantees* staying; the
    advice names the floor, the warning line and the ranking rule, each with its number.
    """
    rules = book.elimination
    floor_, threshold = int(rules.hard_floor), int(rules.warning_threshold)
    ratio = bottom_percent(rules)
    reasons = [reason_text(reason, rules) for reason in card.reasons or []]
    label = _("not on the warning list") if card.outcome == Outcome.OK else str(Outcome(card.outcome).label)
    if card.outcome == Outcome.ELIMINATED:
        advice = [_("Elimination takes effect as exit by assessment after the publication window, unless an "
                    "appeal is upheld (%(article)s).") % {"article": ARTICLE_ELIMINATION}]
        return Outlook(card.outcome, label, reasons, card.streak_below_threshold, None, advice)
    streak = card.streak_below_threshold
    advice = []
    if streak + 1 >= rules.eliminate_after_quarters:
        minimum = threshold
        advice.append(_("Next quarter below %(threshold)s points would be the %(count)d consecutive one: "
                        "elimination. Score at least %(threshold)s points.")
                      % {"threshold": threshold, "count": rules.eliminate_after_quarters})
    else:
        minimum = floor_
        advice.append(_("Next quarter, score at least %(floor)s points to stay above the elimination line.")
                      % {"floor": floor_})
        if streak + 1 >= rules.warning_after_quarters:
            advice.append(_("Below %(threshold)s points next quarter puts you on the warning list.")
                          % {"threshold": threshold})
    if streak:
        advice.append(_("A quarter with %(threshold)s points or more clears the warning.") % {"threshold": threshold})
    advice.append(_("Whoever ranks in the bottom %(ratio)s%% of the quarter is also eliminated (%(article)s).")
                  % {"ratio": ratio, "article": ARTICLE_ELIMINATION})
    return Outlook(card.outcome, label, reasons, streak, minimum, advice)


# --- History chart (opc_community.core.charts) -----------------------------------------------------------

#: The width (px) the quarters share, however many there are; the colour of a quarter's point by its outcome.
HISTORY_WIDTH = 320
OUTCOME_COLOURS = {Outcome.OK: charts.BRAND, Outcome.WARNING: charts.ACCENT, Outcome.ELIMINATED: charts.DANGER}


def history_chart(cards: Sequence[ScoreCard], book: Rulebook) -> charts.Chart:
    """A line of the totals, oldest first, with the elimination (60) and warning (70) lines of ``book``."""
    rules = book.elimination
    labels = [str(card.quarter) for card in cards]
    points = [charts.Mark(card.total, f"{label}: {card.total}", str(card.total), OUTCOME_COLOURS.get(card.outcome))
              for label, card in zip(labels, cards, strict=True)]
    return charts.line_chart(
        labels, [charts.Series(_("My quarterly totals"), charts.BRAND, points)],
        chart_id="history", css_class="score-chart__svg", title=_("My quarterly totals"),
        desc="; ".join(f"{label}: {card.total}" for label, card in zip(labels, cards, strict=True)),
        axis=charts.Axis(100, (0, 50, 100)), step=(HISTORY_WIDTH - charts.TEXT_ROOM) / max(len(cards), 1), plot_height=128, font_size=10,
        thresholds=[
            charts.Threshold(rules.hard_floor, f"{_('elimination line')} {number_text(rules.hard_floor)}", charts.DANGER),
            charts.Threshold(rules.warning_threshold, f"{_('warning line')} {number_text(rules.warning_threshold)}",
                             charts.ACCENT),
        ],
    )


# --- The pages -------------------------------------------------------------------------------------------


@dataclass
class CardPage:
    card: ScoreCard
    lines: list[DimensionLine]
    outlook: Outlook
    publication: Publication | None
    window_open: bool
    window_days_left: int | None
    appeals: list[ScoreAppeal]
    can_appeal: bool
    answer_days: int
    rulebook_version: int


def card_page(card: ScoreCard, *, now: datetime | None = None) -> CardPage:
    """Everything the card's page shows (fixed queries: rulebook version, publication, appeals, calendar)."""
    now = now or timezone.now()
    book = rules_for(card.quarter)
    publication = publication_of(card.quarter)
    window_open = appeal_window_open(card.quarter, publication, now)
    appeals = list(card.appeals.order_by("-submitted_at"))
    pending = any(appeal.status == ScoreAppealStatus.PENDING for appeal in appeals)
    days_left = workdays.working_days_left(timezone.localdate(publication.window_ends_at)) if window_open else None
    return CardPage(
        card=card, lines=explain(card, book), outlook=outlook(card, book), publication=publication,
        window_open=window_open, window_days_left=days_left, appeals=appeals,
        can_appeal=window_open and not pending,
        answer_days=rulebook.in_force(on=timezone.localdate(now)).deadlines.appeal_answer_working_days,
        rulebook_version=book.version,
    )


def latest_card(resident: Resident) -> ScoreCard | None:
    """The resident's most recent visible card (the dashboard's "score" card)."""
    return resident_cards(resident).order_by("-quarter__year", "-quarter__number").first()
