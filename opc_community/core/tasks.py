"""Operational tasks of the project itself."""

import socket

from celery import shared_task
from django.db import connection


@shared_task(name="opc_community.core.tasks.ping")
def ping() -> dict[str, object]:
    """Smoke task: proves a worker runs, reaches PostgreSQL and returns a result through Redis."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        (database,) = cursor.fetchone()
    return {"pong": True, "database": database, "worker_host": socket.gethostname()}
