"""The quarter run (第六章第二条): draft score cards for every resident checked in during the quarter.

Set-based: the whole cohort is scored in one statement whatever its size — the cohort, its inputs,
verified awards and contributions, attendance and previous quarters' totals are read, scored by the
SQL that ``scoring.rules`` compiles from the rulebook (the same rules as its pure functions, held
equal by tests/scoring/test_rules.py), ranked, judged for elimination and upserted (INSERT … SELECT …
ON CONFLICT DO UPDATE of the cards that changed); one DELETE removes the cards of residents no longer
in the cohort. Re-running a quarter replaces its draft exactly.

Decisions (RULEBOOK §7):
- the cohort is every resident checked in at some moment of the quarter (checked in
  before its end, not exited before its first day);
- completion and revenue are measured against the plan staff accepted (``scoring.models.QuarterPlan``);
  without one both score 0 (RULEBOOK §7.1, decision added 2026-12);
- only verified inputs count: results once staff verified or corrected them, a results claim they
  rejected scoring as absent; awards and contributions once verified (第六章第三条 数据透明);
- the quarter is scored with the rulebook version in force on its last day (RULEBOOK §7.2).
"""

import logging
from dataclasses import dataclass
from datetime import date

from django.core.cache import cache
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community import rulebook
from opc_community.accounts.actors import Actor
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.audit import acting_as
from opc_community.core.errors import InvalidTransition
from opc_community.core.transitions import lock, move
from opc_community.portal.services import notify
from opc_community.rulebook.schema import Rulebook
from resources.selectors.activities import participation_statement
from scoring import quarters
from scoring.models import (
    DRAFT_QUARTER_STATUSES,
    QUARTER_TRANSITIONS,
    AwardClaim,
    ClaimState,
    Contribution,
    InputStatus,
    PlanStatus,
    Quarter,
    QuarterInput,
    QuarterPlan,
    QuarterStatus,
    ScoreCard,
    ScoreChange,
)
from scoring.rules import POINT_COLUMNS, card_statement, verdict_statement
from scoring.selectors.inputs import cohort
from scoring.selectors.quarters import CACHE_ERRORS, progress_key, rules_for

logger = logging.getLogger(__name__)

#: Stages reported to the admin's progress bar while a run works.
STAGES = ("scoring", "done")


@dataclass(frozen=True)
class RunResult:
    cards: int
    eliminated: int
    warnings: int
    rulebook_version: int


def _report(quarter_id: int, stage: str, done: int, total: int) -> None:
    """Progress lives in the cache (Redis), outside the run's transaction, so the admin sees it live.
    Only a display: without Redis the run goes on (the quarter records its result)."""
    try:
        cache.set(progress_key(quarter_id), {"stage": stage, "done": done, "total": total}, timeout=3600)
    except CACHE_ERRORS:
        logger.warning("Progress of the run of quarter %s not recorded: the cache is unreachable.", quarter_id)



def _cohort_statement(quarter: Quarter) -> tuple[str, dict]:
    """Who is scored — ``selectors.inputs.cohort``, the one definition — as SQL with named parameters
    (the run's statement names its parameters; Django compiles positional ones)."""
    sql, params = cohort(quarter).values("id").query.sql_with_params()
    names = [f"cohort_{index}" for index in range(len(params))]
    return sql % tuple(f"%({name})s" for name in names), dict(zip(names, params, strict=True))


#: The values of a card compared by a re-run (a card that did not change keeps its computed_at).
_CARD_VALUES = ("attended", "expected", "milestones_done", "milestones_planned", "revenue", "revenue_target",
                "award_level", "contributions", "plan_accepted", "completion_claim", "revenue_claim", *POINT_COLUMNS,
                "total", "rank", "streak_below_threshold", "outcome", "reasons")


def _statement(quarter: Quarter, rules: Rulebook, members: tuple[str, dict]) -> tuple[str, dict]:
    """The one statement that scores the cohort (``members``: :func:`_cohort_statement`) and upserts its
    cards, and its parameters."""
    first, last = quarters.first_day(quarter.year, quarter.number), quarters.last_day(quarter.year, quarter.number)
    attendance, params = participation_statement(first, last)
    members_sql, members_params = members
    params |= members_params | {
        "quarter": quarter.pk, "now": timezone.now(), "accepted": PlanStatus.ACCEPTED,
        "reviewed": [InputStatus.VERIFIED, InputStatus.CORRECTED], "verified": ClaimState.VERIFIED,
        "rejected": ClaimState.REJECTED, "missing": ClaimState.MISSING,
    }
    card_table, quarter_table = ScoreCard._meta.db_table, Quarter._meta.db_table
    input_table, plan_table = QuarterInput._meta.db_table, QuarterPlan._meta.db_table
    # The previous consecutive quarters' totals, most recent first (a gap ends the sequence, 第六章第二条 2.3).
    depth = rules.elimination.eliminate_after_quarters - 1
    previous, quarters_before = "", []
    for i, (year, number) in enumerate(quarters.previous(quarter.year, quarter.number, depth), start=1):
        params |= {f"year_{i}": year, f"number_{i}": number}
        quarters_before.append(f"(%(year_{i})s, %(number_{i})s)")
        previous += f", max(c.total) FILTER (WHERE q.year = %(year_{i})s AND q.number = %(number_{i})s) AS previous_{i}"
    scored = verdict_statement(rules.elimination, f"({card_statement(rules.scoring, 'facts')})", history=depth)
    columns = ("quarter_id", "resident_id", *_CARD_VALUES, "computed_at")
    # ``scoring.rules.inputs_from`` in SQL: the plan's numbers only when accepted; the results only once
    # reviewed (a draft or an unverified submission is as good as none: claim missing), a rejected claim
    # scoring as absent. A card whose values did not change is left as it is (its computed_at too): a
    # re-run writes only what changed, and the audit trail records only real changes.
    sql = f"""
        WITH cohort AS ({members_sql}),
        attendance AS ({attendance}),
        awards AS (
            SELECT i.resident_id, array_agg(a.level::text) AS levels
            FROM {AwardClaim._meta.db_table} a JOIN {input_table} i ON i.id = a.input_id
            WHERE i.quarter_id = %(quarter)s AND a.verified GROUP BY i.resident_id
        ),
        contributions AS (
            SELECT i.resident_id, count(*) AS n
            FROM {Contribution._meta.db_table} k JOIN {input_table} i ON i.id = k.input_id
            WHERE i.quarter_id = %(quarter)s AND k.verified GROUP BY i.resident_id
        ),
        history AS (
            SELECT c.resident_id{previous} FROM {card_table} c JOIN {quarter_table} q ON q.id = c.quarter_id
            WHERE (q.year, q.number) IN ({", ".join(quarters_before)}) GROUP BY c.resident_id
        ),
        facts AS (
            SELECT r.id AS resident_id, COALESCE(att.attended, 0) AS attended, COALESCE(att.expected, 0) AS expected,
                   COALESCE(i.milestones_done, 0) AS milestones_done,
                   COALESCE(p.milestones_planned, 0) AS milestones_planned,
                   COALESCE(i.revenue, 0) AS revenue, COALESCE(p.revenue_target, 0) AS revenue_target,
                   COALESCE(aw.levels, ARRAY[]::text[]) AS award_levels, COALESCE(co.n, 0) AS contributions,
                   p.id IS NOT NULL AS plan_accepted,
                   CASE WHEN i.id IS NULL THEN %(missing)s WHEN i.completion_rejected THEN %(rejected)s
                        ELSE %(verified)s END AS completion_claim,
                   CASE WHEN i.id IS NULL THEN %(missing)s WHEN i.revenue_rejected THEN %(rejected)s
                        ELSE %(verified)s END AS revenue_claim
                   {"".join(f", h.previous_{i}" for i in range(1, depth + 1))}
            FROM cohort r
            LEFT JOIN {plan_table} p ON p.resident_id = r.id AND p.quarter_id = %(quarter)s
                                        AND p.status = %(accepted)s
            LEFT JOIN {input_table} i ON i.resident_id = r.id AND i.quarter_id = %(quarter)s
                                         AND i.status = ANY(%(reviewed)s)
            LEFT JOIN awards aw ON aw.resident_id = r.id
            LEFT JOIN contributions co ON co.resident_id = r.id
            LEFT JOIN attendance att ON att.id = r.id
            LEFT JOIN history h ON h.resident_id = r.id
        )
        INSERT INTO {card_table} ({", ".join(columns)})
        SELECT %(quarter)s, resident_id, {", ".join(_CARD_VALUES)}, %(now)s FROM ({scored}) AS card
        ON CONFLICT (quarter_id, resident_id) DO UPDATE SET {", ".join(f"{n} = EXCLUDED.{n}" for n in columns[2:])}
        WHERE ({", ".join(f"{card_table}.{n}" for n in _CARD_VALUES)})
              IS DISTINCT FROM ({", ".join(f"EXCLUDED.{n}" for n in _CARD_VALUES)})
    """
    return sql, params


def _score(quarter: Quarter, rules: Rulebook) -> RunResult:
    """Write the quarter's cards (fixed queries): for a draft, the DELETE of the cards of residents no longer
    in the cohort (cards keep their ids — appeals point at them, ``ScoreAppeal.card`` — so a recomputation
    never breaks one), the scoring statement, and the counts of the outcome.

    A confirmed quarter's cards are kept records (RULEBOOK §4.7, a database trigger refuses their
    deletion): its recomputation rewrites them but removes none."""
    _report(quarter.pk, "scoring", 0, quarter.run_total)
    members = _cohort_statement(quarter)
    sql, params = _statement(quarter, rules, members)
    table = ScoreCard._meta.db_table
    with connection.cursor() as cursor:
        # The statement's per-row expressions make PostgreSQL's estimate high enough to JIT-compile it;
        # compiling (~70 ms) costs more than it saves on a cohort (bench/quarter.py).
        cursor.execute("SET LOCAL jit = off")
        if quarter.status in DRAFT_QUARTER_STATUSES:
            cursor.execute(
                f"DELETE FROM {table} WHERE quarter_id = %(quarter)s AND resident_id NOT IN ({members[0]})",  # noqa: S608
                params,
            )
        cursor.execute(sql, params)
        cursor.execute(
            f"SELECT count(*), count(*) FILTER (WHERE outcome = 'eliminated'), "  # noqa: S608
            f"count(*) FILTER (WHERE outcome = 'warning') FROM {table} WHERE quarter_id = %s",
            [quarter.pk],
        )
        cards, eliminated, warnings = cursor.fetchone()
    return RunResult(cards, eliminated, warnings, rules.version)



@transaction.atomic
def quarter_run(*, quarter: Quarter, actor: Actor | None = None) -> RunResult:
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
    with acting_as(actor, action="scoring.quarter_run"):
        result = _score(quarter, rules)
        move(
            quarter, QuarterStatus.DRAFTED, transitions=QUARTER_TRANSITIONS,
            rulebook_version=rules.version, run_started_at=started, run_finished_at=timezone.now(),
            run_progress=result.cards, run_total=result.cards,
        )
    _report(quarter.pk, "done", result.cards, result.cards)
    return result


@dataclass(frozen=True)
class Drafted:
    """A quarter the scheduled run drafted, and its result."""

    quarter: Quarter
    result: RunResult


def quarters_draft_ended(*, today: date) -> list[Drafted]:
    """The scheduled run (daily): draft every quarter :func:`scoring.quarters.to_draft` names — the quarters
    that ended and were never run, the one that ended last added if missing — each in a transaction of
    its own with the administrator's notice that the draft awaits confirmation (once per quarter). A
    second run the same day, or a redelivered one, finds nothing left (a quarter run meanwhile is
    skipped under its row lock); a quarter that fails is logged and tried again by the next run, and
    does not hold back the others."""
    existing = {
        (year, number): status != QuarterStatus.OPEN
        for year, number, status in Quarter.objects.values_list("year", "number", "status")
    }
    drafted = []
    for year, number in quarters.to_draft(today, existing):
        try:
            done = _draft(year, number)
        except Exception:
            logger.exception("Drafting %s Q%s failed; the next run retries it.", year, number)
            continue
        if done is not None:
            drafted.append(done)
    return drafted


@transaction.atomic
def _draft(year: int, number: int) -> Drafted | None:
    with acting_as(None, action="scoring.quarter_open"):
        quarter, _created = Quarter.objects.get_or_create(
            year=year, number=number, defaults={"inputs_due_on": quarters.last_day(year, number)}
        )
    quarter = lock(quarter)
    if quarter.status != QuarterStatus.OPEN:
        return None
    result = quarter_run(quarter=quarter)
    _tell_draft_awaits(quarter, result)
    return Drafted(quarter, result)


def _tell_draft_awaits(quarter: Quarter, result: RunResult) -> None:
    notify(
        recipients=members_of(Role.ADMINISTRATOR),
        title=lambda: _("Draft scores of %(quarter)s await your confirmation") % {"quarter": quarter},
        body=lambda: _("%(cards)d score cards: %(eliminated)d eliminated, %(warnings)d on the warning list. Review the "
               "draft, then confirm it; nothing takes effect before (Chapter 6, Article 2).")
        % {"cards": result.cards, "eliminated": result.eliminated, "warnings": result.warnings},
        link=reverse("admin:scoring_quarter_change", args=[quarter.pk]),
        kind="scoring.draft_awaits",
        dedupe_key=f"scoring:quarter:{quarter.pk}:draft",
    )


#: Card columns compared when a published quarter is recomputed (what a person would call "a change").
_COMPARED = ("total", *POINT_COLUMNS, "outcome")


@transaction.atomic
def quarter_recompute(*, quarter: Quarter, reason: str, actor: Actor | None = None) -> list[ScoreChange]:
    """Recompute a published quarter after inputs changed (an upheld appeal, RULEBOOK §7.3):
    elimination is re-evaluated for everyone, with the rules the quarter was scored with,
    and every changed value is recorded (one bulk insert)."""
    quarter = lock(quarter)
    cards = ScoreCard.objects.filter(quarter=quarter)
    before = {card["resident_id"]: card for card in cards.values("resident_id", *_COMPARED)}
    with acting_as(actor, action="scoring.quarter_recompute"):
        result = _score(quarter, rules_for(quarter))
        changes = []
        for card in cards.values("resident_id", *_COMPARED).order_by("resident_id"):
            old = before.get(card["resident_id"], {})
            changes += [
                ScoreChange(quarter=quarter, resident_id=card["resident_id"], field=name,
                            before=str(old.get(name, "")), after=str(card[name]), reason=reason[:200])
                for name in _COMPARED
                if str(old.get(name, "")) != str(card[name])
            ]
        ScoreChange.objects.bulk_create(changes)
    _report(quarter.pk, "done", result.cards, result.cards)
    return changes
