"""Fault injection for tests/faults (no tests here): a private Redis to stop, start or freeze; database
locks held on a connection of the test's own, so that a job blocks at a known step; and the arrangements
the fault tests share. The shared Redis and PostgreSQL are never stopped.
"""

import signal
import socket
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import redis
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from tests.discipline.support.ladders import fee
from tests.factories import UserFactory
from tests.residents.factories import AgreementFactory, ResidentFactory, acknowledge_rules
from tests.workers import wait_until


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test only, on a free port, keeping nothing on disk."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        try:
            wait_until(lambda: self._answers(client), timeout=10, what="the private Redis")
        except AssertionError:
            self.stop()
            raise

    @staticmethod
    def _answers(client: redis.Redis) -> bool:
        try:
            return client.ping()
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        """Down: connections are refused."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(timeout=10)

    def freeze(self) -> None:
        """Hung: connections are accepted by the kernel, nothing is ever answered."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)


@contextmanager
def database_lock(sql: str, params: list) -> Iterator[None]:
    """Run ``sql`` (a lock: ``pg_advisory_xact_lock``, ``SELECT … FOR UPDATE``) in a transaction on a
    connection of the test's own and hold it until the block ends."""
    holder = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        holder.set_autocommit(False)
        with holder.cursor() as cursor:
            cursor.execute(sql, params)
        yield
    finally:
        holder.close()


def someone_waits_for_a_lock() -> bool:
    """A session of the test database waits for a lock (a job blocked at the step the test holds)."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                       "WHERE NOT l.granted AND a.datname = current_database()")
        return cursor.fetchone()[0] > 0


class _Rollback(Exception):
    pass


def clean_run(job: Callable[[], object], snapshot: Callable[[], Any]) -> Any:
    """What ``job`` writes when nothing goes wrong (``snapshot`` of it), then rolled back."""
    try:
        with transaction.atomic():
            job()
            result = snapshot()
            raise _Rollback
    except _Rollback:
        return result


def overdue_resident(name: str, *, due_on: date) -> Any:
    """A checked-in resident (agreement around today) with an 800 yuan fee invoice due on ``due_on``."""
    today = timezone.localdate()
    resident = ResidentFactory(user=UserFactory(full_name=name), name=name)
    acknowledge_rules(resident)
    AgreementFactory(resident=resident, starts_on=today - timedelta(days=200), ends_on=today + timedelta(days=165))
    fee(resident, due_on=due_on)
    return resident
