"""The automatic ladders (第八章第二条, rows 7 and 1b; RULEBOOK §9): overdue fees and overdue exit.

Every morning (``discipline.tasks.run_overdue_ladders``, 08:00) :func:`ladders_run` reads, set-based,

- every overdue invoice (``residents.selectors.ledger.overdue_invoices``: one query, each row with
  ``days_overdue``) → kind **7 逾期缴费**: 1–7 days warning (催告), 8–15 fine, 16–30 resources
  suspended until paid, ≥ 31 forced exit + deposit forfeited;
- every expiry exit still open after its grace period (``residents.selectors.lifecycle.overdue_exits``:
  one query, each row with ``days_after_grace``) → kind **1b 逾期退出**: 1–3 warning, 4–7 fine,
  > 7 forced exit + deposit forfeited + fine;

and opens, for each invoice or exit, **one case per band** reached, through the same 处罚流程 as
any case (``discipline.services.cases.case_open`` then ``case_run_automatic``: verified, notice,
decided, published by the system; the effects apply when the publication window closes, so
each step can be appealed). The bands and their measures are the rulebook's (``rules.decide``
of the kind's ladder); no number of the regulation is written here.

Idempotent: a case carries ``source_key = "<ladder>:<invoice or exit id>:d<first day of the
band>"`` (``fees:42:d8``, ``exit:7:d4``), unique in the database, and ``case_open`` returns the
existing case for a key — so a run repeated the same day, or the next day within the same band,
opens nothing. Each case is opened in its own transaction: a run that dies half-way leaves whole
cases behind, and the next run opens the rest (a case left "found" by an older run is taken up
again). A payment stops the ladder: a settled invoice is no longer overdue, so no later band
opens; an exit completed, or superseded by a forced exit, is no longer listed.

Decisions:

1. **Skipped bands** (the job did not run for a while, or an invoice was entered late): the
   outcome must not depend on the job's uptime. A band whose measures include a **fine** is
   opened even when the item is already in a later band — the fine became due the day the
   band was reached ("a fine already due is still due": 第八章第二条 row 7, 8–15 days → fine
   100; row 1b, 4–7 days → fine 300) — so a catch-up run leaves the same fines as daily runs.
   A skipped band **without** a fine (the 1–7 day warning, the 16–30 day "suspended until
   paid") is superseded by the heavier band reached: its purpose (a reminder, the pressure
   to pay) is served by the current band's notice and measures, and a suspension starting
   at the same moment as the forced exit would have no effect. Every case's ``occurred_on``
   is the day its band was reached (due date + first day of the band; grace end + first
   day), as if the job had run that day — "the date of a violation is the date it happened"
   (RULEBOOK §9) — and its ``measure`` is that first day, so the decision is the band's.
2. **Which invoices**: fee-like charges (kinds ``fee`` and ``other``). Fines and compensation
   are penalties themselves: a fine left unpaid does not start a ladder of its own (a fine
   for not paying a fine, in a loop every eight days); it stays owed in the ledger, fails
   the renewal condition "all fees paid on time" and blocks the exit clearance.
3. **Which residents**: checked in (active) or exiting. An exited resident's debt stays in the
   ledger (the forced exit has happened or the exit is complete; nothing more to escalate);
   a resident not yet checked in cannot check in while an invoice is unpaid (check-in
   condition) and has not yet acknowledged the rules penalties rest on.
4. **One forced exit at a time**: a resident who already faces a forced exit (a case with that
   measure, not annulled or dismissed) gets no second forced-exit case from another invoice
   or from the exit ladder; were the first annulled on appeal, the next run opens the other.
5. **"Until paid"**: the suspension of the 16–30 day band waits for the invoice that caused it:
   the run passes it to ``case_run_automatic(until_paid_invoice=…)``, the decision stores it on
   the measure row (``PenaltyMeasure.invoice``), the effect creates
   ``Suspension(until_paid=invoice)`` — or none, when the invoice was paid during the
   publication window — and the ledger's settlement hook lifts it the day the invoice is paid
   (``discipline.services.cases.invoice_settled``). The notice's requirement names the invoice
   for every band ("请于…前缴清账单…").
6. **One run at a time**: a run holds a PostgreSQL advisory lock for its whole length; a run that
   starts meanwhile (beat firing while a redelivered run works, two workers) opens nothing and says
   so (``skipped``) — the run holding the lock opens everything due. The lock is session-level on the
   run's own connection (each case commits on its own, so a transaction-level lock would not last):
   released when the run ends, whatever happens, or with the connection when a worker is killed — it
   is never left behind. No second connection is opened for it: connecting costs more than a whole
   run with nothing to do (docs/performance.md, "Jobs").
"""

import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.utils.translation import gettext as _

from discipline.models import CaseStatus, ViolationCase
from discipline.rules.ladders import (  # the pure planners, importable from here too
    EXIT,
    FEES,
    LADDER_KINDS,
    Band,
    Step,
    band_for,
    bands_to_open,
    ladder_bands,
    plan_exits,
    plan_fees,
)
from opc_community import rulebook
from opc_community.core.moments import format_day
from opc_community.core.money import format_yuan

logger = logging.getLogger(__name__)

__all__ = ["EXIT", "FEES", "LADDER_KINDS", "Band", "Step", "band_for", "bands_to_open", "ladder_bands",
           "ladders_run", "plan_exits", "plan_fees"]


#: Invoice kinds the overdue-fee ladder applies to (decision 2 above).
LADDER_INVOICE_KINDS = ("fee", "other")
#: Resident statuses the ladders apply to (decision 3 above).
LADDER_RESIDENT_STATUSES = ("active", "exiting")
#: Case statuses that no longer stand (a forced exit in them does not hold a resident, decision 4).
FALLEN_STATUSES = (CaseStatus.ANNULLED, CaseStatus.DISMISSED)
#: The advisory lock of a run (decision 6).
RUN_LOCK = "discipline.ladders.run"


# --- Facts in words ---------------------------------------------------------------------------------------


def step_facts(step: Step) -> str:
    """The facts of the case, as the notice and the resident read them (Chinese via gettext)."""
    if step.ladder == FEES:
        invoice = step.subject
        return _(
            "Invoice %(number)s (%(description)s, %(amount)s) was due on %(due)s and was still unpaid "
            "%(days)d days later, on %(day)s (Chapter 8, Article 2: overdue fees)."
        ) % {
            "number": invoice.number, "description": invoice.description, "amount": format_yuan(invoice.amount),
            "due": format_day(invoice.due_on), "days": step.band.start, "day": format_day(step.occurred_on),
        }
    exit = step.subject
    return _(
        "The agreement ended on %(end)s and the grace period to clear out ended on %(grace)s; on %(day)s, "
        "%(days)d days later, the exit was still not completed (Chapter 8, Article 2: overdue exit)."
    ) % {
        "end": format_day(exit.exit_on), "grace": format_day(exit.grace_ends_on), "day": format_day(step.occurred_on),
        "days": step.band.start,
    }


# --- The run ----------------------------------------------------------------------------------------------


@dataclass
class LadderRun:
    """What a run did, for the log and the task's result."""

    opened: Counter = field(default_factory=Counter)  # "fees:d8" → cases opened
    resumed: int = 0  # cases an earlier run left "found", taken up again
    already: int = 0  # steps whose case existed (a second run the same day: all of them)
    held: int = 0  # forced-exit steps held back: the resident already faces a forced exit (decision 4)
    failed: int = 0  # steps that raised (logged; the next run retries them)
    skipped: bool = False  # another run held the lock: this one did nothing (decision 6)

    @property
    def total_opened(self) -> int:
        return sum(self.opened.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "opened": dict(sorted(self.opened.items())), "total_opened": self.total_opened,
            "resumed": self.resumed, "already": self.already, "held": self.held, "failed": self.failed,
            "skipped": self.skipped,
        }


def _cases_service() -> Any:
    from discipline.services import cases

    return cases


@transaction.atomic
def ladder_step_open(*, step: Step) -> tuple[ViolationCase, bool]:
    """Open (or take up again) the case of one band of one invoice or exit, in its own transaction.

    Returns the case and whether this call moved it (False: it existed and was already past
    "found"). The system is the actor: found, verified, noticed, decided and published by the job.
    """
    cases = _cases_service()
    with rulebook.versions_held():  # every step asks the rulebook: one read for the case
        return _step_open(cases, step)


def _step_open(cases: Any, step: Step) -> tuple[ViolationCase, bool]:
    case = cases.case_open(
        resident=step.resident,
        kind=step.kind,
        occurred_on=step.occurred_on,
        facts=step_facts(step),
        actor=None,
        measure=Decimal(step.band.start),
        source_key=step.source_key,
    )
    if case.status != CaseStatus.FOUND:
        return case, False
    invoice = step.subject if step.ladder == FEES else None
    return cases.case_run_automatic(case=case, until_paid_invoice=invoice), True


def _fee_rows(today: date) -> list[Any]:
    from residents.selectors.ledger import overdue_invoices

    return list(
        overdue_invoices(today=today).filter(
            kind__in=LADDER_INVOICE_KINDS, resident__status__in=LADDER_RESIDENT_STATUSES
        )
    )


def _exit_rows(today: date) -> list[Any]:
    from residents.selectors.lifecycle import overdue_exits

    return list(overdue_exits(today=today).filter(resident__status__in=LADDER_RESIDENT_STATUSES))


def _facing_forced_exit(resident_ids: set[int]) -> set[int]:
    """Residents (of ``resident_ids``) with a standing case that carries a forced exit (one query)."""
    if not resident_ids:
        return set()
    return set(
        ViolationCase.objects.filter(resident_id__in=resident_ids, measures__type="forced_exit")
        .exclude(status__in=FALLEN_STATUSES)
        .values_list("resident_id", flat=True)
        .distinct()
    )


@contextmanager
def _one_run_at_a_time() -> Iterator[bool]:
    """Whether this run holds the run lock (decision 6): ``pg_try_advisory_lock`` on the run's connection,
    unlocked when the run ends; a connection lost meanwhile has taken the lock with it."""
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [RUN_LOCK])
        (held,) = cursor.fetchone()
    try:
        yield held
    finally:
        if held:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [RUN_LOCK])
            except DatabaseError:  # the connection is gone, and the session's locks with it
                logger.warning("Overdue ladders: the run lock went with the lost connection.")


def ladders_run(*, today: date) -> LadderRun:
    """Both ladders for ``today`` (see the module docstring), unless another run is going (decision 6).
    Reads are set-based whatever the number of residents: the rulebook, the overdue invoices, the
    overdue exits, the existing cases of the planned keys, the residents already facing a forced exit —
    five queries — then one transaction per case to open."""
    with _one_run_at_a_time() as held:
        if not held:
            logger.warning("Overdue ladders for %s skipped: another run holds the lock.", today)
            return LadderRun(skipped=True)
        return _run(today)


def _run(today: date) -> LadderRun:
    violations = rulebook.in_force(on=today).violations
    steps = plan_fees(_fee_rows(today), ladder_bands(LADDER_KINDS[FEES], violations))
    steps += plan_exits(_exit_rows(today), ladder_bands(LADDER_KINDS[EXIT], violations))
    existing = dict(
        ViolationCase.objects.filter(source_key__in=[step.source_key for step in steps]).values_list(
            "source_key", "status"
        )
    ) if steps else {}
    facing_exit = _facing_forced_exit({step.resident.pk for step in steps if step.band.has_forced_exit})
    run = LadderRun()
    for step in steps:
        status = existing.get(step.source_key)
        if status is not None and status != CaseStatus.FOUND:
            run.already += 1
            continue
        if status is None and step.band.has_forced_exit and step.resident.pk in facing_exit:
            run.held += 1
            continue
        try:
            case, moved = ladder_step_open(step=step)
        except Exception:
            run.failed += 1
            logger.exception("Ladder step %s failed; the next run retries it.", step.source_key)
            continue
        if status is None:
            run.opened[f"{step.ladder}:{step.band.code}"] += 1
        elif moved:
            run.resumed += 1
        if step.band.has_forced_exit:
            facing_exit.add(step.resident.pk)
        logger.info("Ladder case %s opened for %s (%s).", case.number, step.source_key, case.get_status_display())
    return run
