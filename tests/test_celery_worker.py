"""A real Celery worker, a real Redis broker and the test database: tasks run end to end.

The worker is a separate process (``celery -A opc_community worker``) listening on a
queue of its own, pointed at this test run's database; data it must see is committed
(``transactional_db``).
"""

import time
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from opc_community.celery import app as celery_app
from opc_community.core import health
from opc_community.core.tasks import ping
from opc_community.notices import services as notices
from opc_community.notices.models import PublicationKind, PublicationStatus
from opc_community.notices.tasks import close_publication_windows
from tests.concurrency import committed_data, restore_snapshot_without_triggers  # noqa: F401
from tests.workers import start_worker

# Committed data the worker can see; the snapshot restores the rulebook a flush removed.
pytestmark = [pytest.mark.worker, committed_data]


@pytest.fixture
def worker(transactional_db):
    queue = f"opc-test-{uuid.uuid4().hex[:8]}"
    process = start_worker(queue)
    celery_app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        celery_app.conf.task_always_eager = True
        process.stop()


def _run(task, queue: str, **kwargs):
    started = time.monotonic()
    result = task.apply_async(kwargs=kwargs, queue=queue).get(timeout=60)
    return result, time.monotonic() - started


def test_smoke_task_runs_on_a_real_worker_through_redis(worker):
    result, _ = _run(ping, worker)
    assert result["pong"] is True
    assert result["database"] == connection.settings_dict["NAME"]


def test_a_running_worker_keeps_its_heartbeat_fresh_for_healthz(worker):
    """The worker's heartbeat (Celery's heartbeat_sent signal, every 2 s, recorded at most every 15 s)."""
    health._redis().delete(health._key(health.WORKER))
    _run(ping, worker)
    deadline = time.monotonic() + 25
    while (check := health.check_redis_and_heartbeats()[health.WORKER]).state != health.State.OK:
        assert time.monotonic() < deadline, check
        time.sleep(0.5)
    assert check.seconds is not None and check.seconds < 5


def test_closing_publication_windows_runs_on_the_worker(worker, administrator):
    publication = notices.publication_open(
        kind=PublicationKind.SERVICE_PROCEDURE, title="服务流程", body="正文", staff_text={},
        starts_at=timezone.now() - timedelta(days=30), window_days=3, actor=administrator,
    )
    closed, _ = _run(close_publication_windows, worker)
    assert closed == 1
    publication.refresh_from_db()
    assert publication.status == PublicationStatus.CLOSED
    again, _ = _run(close_publication_windows, worker)
    assert again == 0
