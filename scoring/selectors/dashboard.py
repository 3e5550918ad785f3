"""The staff quarter dashboard (第六章第一条、第二条): what a quarter's scores look like.

Definitions — what each figure counts (all over the quarter's score cards, draft or published):

- **Distribution**: cards per band of ten points (0–9 … 90–100), this quarter and the previous one.
- **Per-dimension averages**: the mean points of each dimension against its maximum (rule data of the
  version the quarter was scored with).
- **Bottom group**: the k lowest ranks, k = floor(N × bottom ratio) with competition ranking
  (RULEBOOK §7.4 b; N < 10 → none); **eliminated**: every card whose outcome is elimination, with its
  reasons; **warning list**: outcome "warning" (two consecutive quarters below the warning line).
- **Changes since the previous quarter**: residents scored in both quarters, their totals before and
  after (largest moves first), how many went up, down or stayed, and who is new or gone.

Set-based: four queries whatever the number of residents (:func:`quarter_dashboard`: the rulebook
version, this quarter's cards with their residents, the previous quarter's totals, the appeals by status).
"""

from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from opc_community.core import charts
from opc_community.rulebook.schema import Rulebook
from scoring import quarters
from scoring.models import Outcome, Quarter, ScoreAppeal, ScoreAppealStatus, ScoreCard
from scoring.rules import bottom_group_size, reason_text
from scoring.selectors.quarters import rules_for

#: (field on ScoreCard, key of the rulebook's scoring section), in the order of 第六章第一条.
DIMENSIONS = (
    ("participation_points", "participation"),
    ("completion_points", "completion"),
    ("revenue_points", "revenue"),
    ("award_points", "awards"),
    ("contribution_points", "contributions"),
)
BIN_WIDTH = 10


def bin_of(total: int) -> int:
    """The lower bound of a total's band of ten (100 belongs to 90–100)."""
    return min(total // BIN_WIDTH * BIN_WIDTH, 100 - BIN_WIDTH)


def _mean(values: list[int]) -> Decimal:
    if not values:
        return Decimal("0.0")
    return (Decimal(sum(values)) / len(values)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Average:
    key: str
    label: str
    mean: Decimal
    max_points: int


@dataclass(frozen=True)
class Move:
    resident_id: int
    name: str
    before: int
    after: int

    @property
    def delta(self) -> int:
        return self.after - self.before


@dataclass
class QuarterDashboard:
    quarter: Quarter
    previous: tuple[int, int]
    cards: list[ScoreCard]
    bins: list[dict[str, Any]]
    averages: list[Average]
    mean_total: Decimal
    previous_mean_total: Decimal | None
    k: int
    bottom_group: list[ScoreCard]
    eliminated: list[ScoreCard]
    warnings: list[ScoreCard]
    moves: list[Move]
    went_up: int
    went_down: int
    unchanged: int
    new: int
    gone: int
    appeals: dict[str, int]
    rulebook_version: int

    @property
    def cohort(self) -> int:
        return len(self.cards)


def annotate_reasons(cards: list[ScoreCard], books: dict[int, Rulebook] | None = None) -> list[ScoreCard]:
    """Set ``reason_texts`` on each card: its reasons in words, with the numbers of the rules its quarter was
    scored with (one query per distinct quarter not given in ``books``; cards with ``quarter`` loaded)."""
    books = dict(books or {})
    for card in cards:
        if card.quarter_id not in books:
            books[card.quarter_id] = rules_for(card.quarter)
        card.reason_texts = [reason_text(reason, books[card.quarter_id].elimination) for reason in card.reasons]
    return cards


def quarter_cards(quarter: Quarter) -> QuerySet[ScoreCard]:
    """The quarter's cards with their residents, lowest total first (one query; also the Excel sheet's rows)."""
    return ScoreCard.objects.filter(quarter=quarter).select_related("resident").order_by("rank", "resident__name",
                                                                                          "resident_id")


def quarters_with_cards() -> QuerySet[Quarter]:
    """Quarters that have been run, newest first (the dashboard's quarter picker)."""
    return Quarter.objects.filter(cards__isnull=False).distinct().order_by("-year", "-number")


def quarter_dashboard(quarter: Quarter) -> QuarterDashboard:
    """The figures of the module docstring for one quarter (four queries)."""
    book = rules_for(quarter)  # 1
    cards = list(quarter_cards(quarter))  # 2
    (year, number), = quarters.previous(quarter.year, quarter.number, 1)
    before = dict(
        ScoreCard.objects.filter(quarter__year=year, quarter__number=number).values_list("resident_id", "total")
    )  # 3
    appeals = {row["status"]: row["n"] for row in ScoreAppeal.objects.filter(card__quarter=quarter)
               .order_by().values("status").annotate(n=Count("id"))}  # 4

    now_bins = Counter(bin_of(card.total) for card in cards)
    before_bins = Counter(bin_of(total) for total in before.values())
    bins = [{"low": low, "high": low + BIN_WIDTH - 1 if low < 100 - BIN_WIDTH else 100,
             "count": now_bins.get(low, 0), "previous": before_bins.get(low, 0)}
            for low in range(0, 100, BIN_WIDTH)]
    labels = {"participation": _("Participation"), "completion": _("Project completion"), "revenue": _("Revenue"),
              "awards": _("Awards and honours"), "contributions": _("Team and technical contributions")}
    averages = [
        Average(key, labels[key], _mean([getattr(card, field) for card in cards]),
                getattr(book.scoring, key).max_points)
        for field, key in DIMENSIONS
    ]
    k = bottom_group_size(len(cards), book.elimination.bottom_ratio)
    annotate_reasons(cards, {quarter.pk: book})
    moves = sorted(
        (Move(card.resident_id, card.resident.name, before[card.resident_id], card.total)
         for card in cards if card.resident_id in before),
        key=lambda move: (-abs(move.delta), move.name),
    )
    scored_now = {card.resident_id for card in cards}
    return QuarterDashboard(
        quarter=quarter, previous=(year, number), cards=cards, bins=bins, averages=averages,
        mean_total=_mean([card.total for card in cards]),
        previous_mean_total=_mean(list(before.values())) if before else None,
        k=k,
        bottom_group=[card for card in cards if card.rank <= k],
        eliminated=[card for card in cards if card.outcome == Outcome.ELIMINATED],
        warnings=[card for card in cards if card.outcome == Outcome.WARNING],
        moves=moves,
        went_up=sum(move.delta > 0 for move in moves),
        went_down=sum(move.delta < 0 for move in moves),
        unchanged=sum(move.delta == 0 for move in moves),
        new=len(scored_now - set(before)),
        gone=len(set(before) - scored_now),
        appeals={status: appeals.get(status, 0) for status in ScoreAppealStatus.values},
        rulebook_version=book.version,
    )


# --- Charts (opc_community.core.charts) ------------------------------------------------------------------


def histogram_chart(bins: list[dict[str, Any]], *, floor: int = 60, threshold: int = 70) -> charts.Chart:
    """Side-by-side columns per band of ten: the previous quarter (grey) and this one, coloured by zone."""
    largest = max((max(b["count"], b["previous"]) for b in bins), default=0)
    groups = []
    for item in bins:
        band = f"{item['low']}–{item['high']}"
        colour = charts.DANGER if item["high"] < floor else charts.ACCENT if item["high"] < threshold else charts.BRAND
        groups.append(charts.Group(band, [
            charts.Mark(item["previous"], f"{band}: {item['previous']}", colour=charts.GREY),
            charts.Mark(item["count"], f"{band}: {item['count']}", str(item["count"]) if item["count"] else None,
                        colour),
        ]))
    return charts.histogram(
        groups, chart_id="qd-hist", css_class="qd-chart", title=_("Distribution of totals"),
        desc=_("Residents per band of ten points, this quarter (coloured) next to the previous quarter (grey); the "
               "table below gives the same numbers."),
        axis=charts.Axis.counting(largest), bar_width=24, group_gap=12,
        legend=[(_("this quarter, below the elimination line"), charts.DANGER),
                (_("this quarter, below the warning line"), charts.ACCENT),
                (_("this quarter, at or above the warning line"), charts.BRAND),
                (_("previous quarter"), charts.GREY)],
    )


def averages_chart(averages: list[Average]) -> charts.Chart:
    """One horizontal bar per dimension: the mean points as a share of the dimension's maximum."""
    rows = [charts.Row(item.label, [charts.Mark(
        float(item.mean) / item.max_points * 100 if item.max_points else 0,
        f"{item.label}: {item.mean}/{item.max_points}", f"{item.mean}/{item.max_points}",
    )]) for item in averages]
    return charts.bar_chart(
        rows, chart_id="qd-avg", css_class="qd-chart", title=_("Average points per dimension against its maximum"),
        desc=_("For each dimension, the mean points of the quarter's residents as a share of the dimension's "
               "maximum points."),
        axis=charts.Axis(100), track=True, label_width=200, bar_height=20,
    )
