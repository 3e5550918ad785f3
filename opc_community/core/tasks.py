"""Operational tasks of the project itself."""

import socket

from celery import shared_task
from django.db import connection
from django.utils import timezone

from opc_community.core import idempotency


@shared_task(name="opc_community.core.tasks.ping")
def ping() -> dict[str, object]:
    """Smoke task: proves a worker runs, reaches PostgreSQL and returns a result through Redis."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        (database,) = cursor.fetchone()
    return {"pong": True, "database": database, "worker_host": socket.gethostname()}


@shared_task(name="opc_community.core.tasks.purge_idempotency_records")
def purge_idempotency_records() -> int:
    """Nightly: idempotency keys and form tokens older than ``IDEMPOTENCY_KEY_TTL`` go (safe to run twice)."""
    return idempotency.purge_expired(now=timezone.now())


@shared_task(name="opc_community.core.tasks.sweep_files")
def sweep_files() -> int:
    """Weekly: stored files no row names are logged and shown to the administrators (deletes nothing;
    safe to run twice: the same files are announced once). Returns how many there are."""
    from opc_community.core import files

    report = files.sweep()
    files.tell_administrators(report)
    return len(report.orphans)
