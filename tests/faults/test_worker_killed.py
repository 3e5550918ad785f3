"""A job killed mid-run comes back (docs/operations.md, "Reliability"): ``task_acks_late`` with
``task_reject_on_worker_lost``, and the broker's visibility timeout.

A real worker (prefork pool, one process) runs the daily ladders or a quarter run against the committed
test database. The test holds a database lock the job needs half-way — the second resident's count lock
(discipline.services.cases) or a score card's row — so the job is blocked mid-run, with work done before;
then either one pool process gets SIGKILL (the worker requeues the job at once and a fresh process runs
it) or the whole worker does (the job stays unacknowledged in Redis; a restarted worker takes it back
once the visibility timeout — 3 s here — has passed). The job finishes, and the data equals what a clean
run writes (computed first in a transaction rolled back; compared without ids and moments).
"""

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from discipline.models import ViolationCase
from discipline.services.ladders import ladders_run
from discipline.tasks import run_overdue_ladders
from opc_community.celery import app as celery_app
from opc_community.portal.models import Notification
from scoring import quarters
from scoring.models import Quarter, QuarterInput, QuarterPlan, QuarterStatus, ScoreCard
from scoring.services.run import quarter_run
from scoring.tasks import run_quarter
from tests.concurrency import committed_data, restore_snapshot_without_triggers  # noqa: F401
from tests.discipline.support.ladders import content
from tests.faults.support import (
    clean_run,
    database_lock,
    overdue_resident,
    someone_waits_for_a_lock,
)
from tests.residents.factories import ResidentFactory
from tests.residents.support.lifecycle import SH
from tests.workers import start_worker, wait_until

pytestmark = [committed_data, pytest.mark.worker]

#: The restarted worker's visibility timeout: a job unacknowledged for longer is taken back.
SHORT_VISIBILITY = {"CELERY_VISIBILITY_TIMEOUT": "3"}


def killed_mid_run(task, args: tuple, lock: tuple[str, list], kill: str) -> object:
    """Send ``task`` to a real worker, let it block on ``lock`` (held here), SIGKILL the pool process or
    the whole worker, release the lock, and return the job's result once it has been run again."""
    queue = f"opc-test-faults-{uuid.uuid4().hex[:8]}"
    workers = [start_worker(queue, pool="prefork")]
    celery_app.conf.task_always_eager = False
    try:
        with database_lock(*lock):
            result = task.apply_async(args, queue=queue)
            wait_until(someone_waits_for_a_lock, timeout=20, what="the job to block on the held lock")
            if kill == "pool process":
                workers[0].kill_pool_process()
            else:
                workers[0].kill()
        if kill == "worker":
            workers.append(start_worker(queue, pool="prefork", env=SHORT_VISIBILITY))  # what systemd/docker do
        return result.get(timeout=25)
    finally:
        celery_app.conf.task_always_eager = True
        for worker in workers:
            worker.stop()
        with celery_app.connection_for_write() as connection:  # the e-mail nudges the job left behind
            connection.default_channel.queue_purge(queue)


# --- The daily ladders ---------------------------------------------------------------------------------


def ladder_state() -> dict:
    notifications = sorted(Notification.objects.values_list("recipient_id", "kind", "title"))
    return {**content(), "notifications": notifications}


@pytest.mark.parametrize("kill", ["pool process", "worker"])
def test_a_killed_ladder_run_is_redelivered_and_ends_like_a_clean_run(kill):
    # Given two residents 20 days overdue: the fine band (d8) and the "until paid" band (d16) each, four cases
    due = timezone.localdate() - timedelta(days=20)
    first, second = overdue_resident("张三", due_on=due), overdue_resident("欧阳娜娜", due_on=due)
    clean = clean_run(lambda: ladders_run(today=timezone.localdate()), ladder_state)
    assert len(clean["cases"]) == 4
    # When the run is killed while it opens the second resident's first case (the first's two are done)
    count_lock = ("SELECT pg_advisory_xact_lock(hashtext('discipline.count'), %s)", [second.pk])
    result = killed_mid_run(run_overdue_ladders, (), count_lock, kill)
    # Then it ran again to the end, and the cases, measures, invoices and notices are a clean run's
    assert result["failed"] == 0 and not result["skipped"]
    assert result["total_opened"] + result["already"] + result["resumed"] == 4
    assert ladder_state() == clean
    assert ViolationCase.objects.filter(resident=first).count() == 2


# --- The quarter run -----------------------------------------------------------------------------------


def scored_quarter() -> tuple[Quarter, ScoreCard]:
    """2026 Q3 drafted for three residents; then one resident's verified input changes (a re-run is due).
    Returns the quarter and the card that the re-run must rewrite."""
    quarter = Quarter.objects.create(year=2026, number=3, inputs_due_on=quarters.last_day(2026, 3))
    checked_in = datetime(2026, 4, 1, 9, tzinfo=SH)
    inputs = []
    for done, revenue in ((4, "100000"), (2, "50000"), (1, "0")):
        resident = ResidentFactory(checked_in_at=checked_in)
        QuarterPlan.objects.create(quarter=quarter, resident=resident, milestones_planned=4,
                                   revenue_target=Decimal("100000"), status="accepted")
        inputs.append(QuarterInput.objects.create(quarter=quarter, resident=resident, milestones_done=done,
                                                  revenue=Decimal(revenue), status="verified"))
    quarter_run(quarter=quarter)
    QuarterInput.objects.filter(pk=inputs[2].pk).update(milestones_done=4, revenue=Decimal("90000"))
    return quarter, ScoreCard.objects.get(quarter=quarter, resident=inputs[2].resident)


def quarter_state() -> dict:
    quarter = Quarter.objects.values("status", "rulebook_version", "run_total", "run_progress").get()
    cards = ScoreCard.objects.order_by("resident_id").values_list(
        "resident_id", "total", "rank", "outcome", "completion_points", "revenue_points", "reasons")
    return {"quarter": quarter, "cards": list(cards)}


@pytest.mark.parametrize("kill", ["pool process", "worker"])
def test_a_killed_quarter_run_is_redelivered_and_ends_like_a_clean_run(kill):
    quarter, changing = scored_quarter()
    clean = clean_run(lambda: quarter_run(quarter=quarter), quarter_state)
    assert clean["cards"] != quarter_state()["cards"]  # the re-run has something to change
    # When the re-run is killed while it writes the cards (one card's row is held)
    card_lock = (f"SELECT 1 FROM {ScoreCard._meta.db_table} WHERE id = %s FOR UPDATE", [changing.pk])
    result = killed_mid_run(run_quarter, (quarter.pk,), card_lock, kill)
    # Then it ran again to the end: the quarter and its cards are a clean run's
    assert result["cards"] == 3
    assert quarter_state() == clean
    assert Quarter.objects.get().status == QuarterStatus.DRAFTED
