"""The quarter run (第六章第二条): draft score cards for every resident checked in during the quarter.

Set-based: a fixed number of queries whatever the number of residents — the cohort,
the inputs, the verified awards and contributions, the attendance and the previous
quarters' totals are each read in one query; the scores and the elimination verdicts
are computed in memory by the pure rules; the cards are written with one DELETE (residents no longer in the cohort) and
one upsert (INSERT … SELECT FROM jsonb_array_elements(…) ON CONFLICT DO UPDATE of the cards that changed). Re-running a
quarter replaces its draft exactly.

Decisions (RULEBOOK §7 leaves them open):
- the cohort is every resident checked in at some moment of the quarter (checked in
  before its end, not exited before its first day);
- awards and contributions count once staff have verified them (第六章第三条 数据透明);
- a resident who submitted no data scores 0 for completion and revenue (scoring.rules);
- the quarter is scored with the rulebook version in force on its last day (RULEBOOK §7.2).
"""

import gc
import json
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community import rulebook
from opc_community.core.audit import acting_as
from opc_community.core.errors import InvalidTransition
from opc_community.core.transitions import lock, move
from opc_community.rulebook.models import RulebookVersion
from opc_community.rulebook.schema import Rulebook
from opc_community.rulebook.selectors import rules_of
from residents.models import Resident
from resources.selectors import participation
from scoring import quarters
from scoring.models import (
    QUARTER_TRANSITIONS,
    AwardClaim,
    Contribution,
    InputStatus,
    Quarter,
    QuarterInput,
    QuarterStatus,
    ScoreCard,
    ScoreChange,
)
from scoring.rules import QuarterInputs, Verdict, evaluate_cohort, score

#: Stages reported to the admin's progress bar while a run works.
STAGES = ("loading", "scoring", "saving", "done")


@dataclass(frozen=True)
class RunResult:
    cards: int
    eliminated: int
    warnings: int
    rulebook_version: int


def progress_key(quarter_id: int) -> str:
    return f"scoring:run:{quarter_id}"


def _report(quarter_id: int, stage: str, done: int, total: int) -> None:
    """Progress lives in the cache (Redis), outside the run's transaction, so the admin sees it live."""
    cache.set(progress_key(quarter_id), {"stage": stage, "done": done, "total": total}, timeout=3600)


def run_progress(quarter_id: int) -> dict[str, object] | None:
    return cache.get(progress_key(quarter_id))


def _cohort(quarter: Quarter) -> list[int]:
    start, end = quarters.bounds(quarter.year, quarter.number)
    return list(
        Resident.objects.filter(checked_in_at__lt=end)
        .filter(Q(exited_on__isnull=True) | Q(exited_on__gte=start.date()))
        .order_by("id")
        .values_list("id", flat=True)
    )


def _history(quarter: Quarter, depth: int) -> dict[int, list[Decimal]]:
    """Each resident's totals of the ``depth`` previous quarters, oldest first, stopping at a gap
    (only *consecutive* quarters count for the warning list, 第六章第二条 2.3)."""
    previous = quarters.previous(quarter.year, quarter.number, depth)
    condition = Q()
    for year, number in previous:
        condition |= Q(quarter__year=year, quarter__number=number)
    totals: dict[int, dict[tuple[int, int], int]] = defaultdict(dict)
    if previous:
        rows = ScoreCard.objects.filter(condition).values_list("resident_id", "quarter__year", "quarter__number", "total")
        for resident_id, year, number, total in rows:
            totals[resident_id][(year, number)] = total
    history: dict[int, list[Decimal]] = {}
    for resident_id, by_quarter in totals.items():
        consecutive = []
        for key in previous:  # most recent first
            if key not in by_quarter:
                break
            consecutive.append(Decimal(by_quarter[key]))
        history[resident_id] = consecutive[::-1]
    return history


_CARD_COLUMNS = (
    ("quarter_id", "bigint"), ("resident_id", "bigint"), ("attended", "integer"), ("expected", "integer"),
    ("milestones_done", "integer"), ("milestones_planned", "integer"), ("revenue", "numeric"),
    ("revenue_target", "numeric"), ("award_level", "text"), ("contributions", "integer"),
    ("participation_points", "integer"), ("completion_points", "integer"), ("revenue_points", "integer"),
    ("award_points", "integer"), ("contribution_points", "integer"), ("total", "integer"), ("rank", "integer"),
    ("streak_below_threshold", "integer"), ("outcome", "text"), ("reasons", "jsonb"), ("computed_at", "timestamptz"),
)


def _write_cards(quarter_id: int, rows: list[tuple]) -> None:
    """Replace the quarter's cards with ``rows`` in two queries whatever their number: a DELETE of the cards
    of residents no longer in the cohort, then one INSERT … SELECT FROM jsonb_array_elements(…) ON CONFLICT DO UPDATE.
    Cards keep their ids (appeals point at them, ``ScoreAppeal.card``), so a recomputation never breaks one."""
    table = ScoreCard._meta.db_table
    residents = [row[1] for row in rows]
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE quarter_id = %s AND NOT (resident_id = ANY(%s::bigint[]))",  # noqa: S608
            [quarter_id, residents],
        )
        if not rows:
            return
        names = ", ".join(name for name, _ in _CARD_COLUMNS)
        # The rows travel as one JSON array of arrays (encoded in C, parsed by PostgreSQL), far cheaper
        # than one array parameter per column for 10,000 cards.
        values_of = ", ".join(
            f"r -> {i}" if kind == "jsonb" else f"(r ->> {i})::{kind}" for i, (_, kind) in enumerate(_CARD_COLUMNS)
        )
        values = [name for name, _ in _CARD_COLUMNS[2:]]
        updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in values)
        # A card whose values did not change is left as it is (its computed_at too): a re-run writes
        # only what changed, and the audit trail records only real changes.
        compared = [name for name in values if name != "computed_at"]
        old = ", ".join(f"{table}.{name}" for name in compared)
        new = ", ".join(f"EXCLUDED.{name}" for name in compared)
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {values_of} FROM jsonb_array_elements(%s::jsonb) AS r "  # noqa: S608
            f"ON CONFLICT (quarter_id, resident_id) DO UPDATE SET {updates} WHERE ({old}) IS DISTINCT FROM ({new})",
            [json.dumps(rows, default=str)],  # Decimal and datetime as text, cast back above
        )


def _highest(levels: list[str], points: dict[str, int]) -> str:
    return max(levels, key=lambda level: points[level], default="")


def rules_for(quarter: Quarter) -> Rulebook:
    """The rules a quarter is scored with: the version recorded on it once run (a later revision
    never changes a scored quarter), else the version in force on its last day (RULEBOOK §7.2)."""
    if quarter.rulebook_version:
        return rules_of(RulebookVersion.objects.get(number=quarter.rulebook_version))
    return rulebook.in_force(on=quarters.last_day(quarter.year, quarter.number))


@contextmanager
def _cyclic_gc_paused():
    """Scoring allocates a few small, acyclic objects per resident; the cyclic collector's passes
    over the process's live heap meanwhile took a third of the run (bench/quarter.py)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@_cyclic_gc_paused()
def _compute(quarter: Quarter, rules: Rulebook) -> tuple[list[tuple], dict[int, Verdict]]:
    """Every card of the quarter as a row for ``_write_cards``, and the verdicts (fixed queries)."""
    _report(quarter.pk, "loading", 0, 0)
    first, last = quarters.first_day(quarter.year, quarter.number), quarters.last_day(quarter.year, quarter.number)
    cohort = _cohort(quarter)
    inputs = {
        row["resident_id"]: row
        for row in QuarterInput.objects.filter(quarter=quarter).values(
            "resident_id", "milestones_done", "milestones_planned", "revenue", "revenue_target", "status"
        )
    }
    awards: dict[int, list[str]] = defaultdict(list)
    for resident_id, level in AwardClaim.objects.filter(input__quarter=quarter, verified=True).values_list(
        "input__resident_id", "level"
    ):
        awards[resident_id].append(level)
    contributions = dict(
        Contribution.objects.filter(input__quarter=quarter, verified=True)
        .values("input__resident_id")
        .annotate(n=Count("id"))
        .values_list("input__resident_id", "n")
    )
    attendance = participation(first, last)
    history = _history(quarter, rules.elimination.eliminate_after_quarters - 1)

    _report(quarter.pk, "scoring", 0, len(cohort))
    cards = {}
    for resident_id in cohort:
        data = inputs.get(resident_id)
        submitted = data is not None and data["status"] != InputStatus.DRAFT
        attended, expected = attendance.get(resident_id, (0, 0))
        facts = QuarterInputs(
            attended=attended,
            expected=expected,
            milestones_done=data["milestones_done"] if submitted else 0,
            milestones_planned=data["milestones_planned"] if submitted else 0,
            revenue=data["revenue"] if submitted else Decimal(0),
            revenue_target=data["revenue_target"] if submitted else Decimal(0),
            awards=tuple(awards.get(resident_id, ())),
            contributions=contributions.get(resident_id, 0),
            submitted=submitted,
        )
        cards[resident_id] = (facts, score(facts, rules.scoring))
    verdicts: dict[int, Verdict] = evaluate_cohort(
        {resident_id: Decimal(card.total) for resident_id, (_, card) in cards.items()}, history, rules.elimination
    )
    now = timezone.now()
    rows = []
    for resident_id, (facts, card) in cards.items():
        points = card.points()
        verdict = verdicts[resident_id]
        rows.append((
            quarter.pk, resident_id, facts.attended, facts.expected, facts.milestones_done,
            facts.milestones_planned, facts.revenue, facts.revenue_target,
            _highest(list(facts.awards), rules.scoring.awards.levels), facts.contributions,
            points["participation"], points["completion"], points["revenue"], points["awards"],
            points["contributions"], card.total, verdict.rank, verdict.streak_below_threshold,
            verdict.outcome, list(verdict.reasons), now,
        ))
    _report(quarter.pk, "saving", len(rows), len(cohort))
    return rows, verdicts


def _result(rows: list[tuple], verdicts: dict[int, Verdict], version: int) -> RunResult:
    outcomes = [verdict.outcome for verdict in verdicts.values()]
    return RunResult(len(rows), outcomes.count("eliminated"), outcomes.count("warning"), version)


@transaction.atomic
def quarter_run(*, quarter: Quarter, actor: object | None = None) -> RunResult:
    """Compute the quarter's draft: cards, ranks and elimination verdicts; a re-run replaces the draft.

    A confirmed or later quarter changes only through appeals (:func:`quarter_recompute`).
    """
    quarter = lock(quarter)
    if quarter.status not in (QuarterStatus.OPEN, QuarterStatus.DRAFTED):
        raise InvalidTransition(
            _("Quarter %(quarter)s is “%(status)s”: its scores change only through appeals.")
            % {"quarter": quarter, "status": quarter.get_status_display()}
        )
    rules = rulebook.in_force(on=quarters.last_day(quarter.year, quarter.number))
    started = timezone.now()
    rows, verdicts = _compute(quarter, rules)
    with acting_as(actor, action="scoring.quarter_run"):
        _write_cards(quarter.pk, rows)
        move(
            quarter, QuarterStatus.DRAFTED, transitions=QUARTER_TRANSITIONS,
            rulebook_version=rules.version, run_started_at=started, run_finished_at=timezone.now(),
            run_progress=len(rows), run_total=len(rows),
        )
    _report(quarter.pk, "done", len(rows), len(rows))
    return _result(rows, verdicts, rules.version)


#: Card columns compared when a published quarter is recomputed (what a person would call "a change").
_COMPARED = ("total", "participation_points", "completion_points", "revenue_points", "award_points",
             "contribution_points", "outcome")


@transaction.atomic
def quarter_recompute(*, quarter: Quarter, reason: str, actor: object | None = None) -> list[ScoreChange]:
    """Recompute a published quarter after inputs changed (an upheld appeal, RULEBOOK §7.3):
    elimination is re-evaluated for everyone, with the rules the quarter was scored with,
    and every changed value is recorded (one bulk insert)."""
    quarter = lock(quarter)
    rules = rules_for(quarter)
    before = {
        card["resident_id"]: card for card in ScoreCard.objects.filter(quarter=quarter).values("resident_id", *_COMPARED)
    }
    rows, verdicts = _compute(quarter, rules)
    index = {name: i for i, (name, _kind) in enumerate(_CARD_COLUMNS)}
    changes = []
    for row in rows:
        old = before.get(row[index["resident_id"]], {})
        for name in _COMPARED:
            if str(old.get(name, "")) != str(row[index[name]]):
                changes.append(ScoreChange(
                    quarter=quarter, resident_id=row[index["resident_id"]], field=name,
                    before=str(old.get(name, "")), after=str(row[index[name]]), reason=reason[:200],
                ))
    with acting_as(actor, action="scoring.quarter_recompute"):
        _write_cards(quarter.pk, rows)
        ScoreChange.objects.bulk_create(changes)
    _report(quarter.pk, "done", len(rows), len(rows))
    return changes
