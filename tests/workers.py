"""Real Celery workers for tests (no tests here): ``celery -A opc_community worker`` in a process group
of its own, on a queue of its own, pointed at this test run's database (data it must see is committed).
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from django.db import connection


def database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """A worker process started by :func:`start_worker`; its output goes to a file, printed on failure."""

    def __init__(self, queue: str, *, pool: str, env: dict[str, str]) -> None:
        self.queue = queue
        self.log = tempfile.NamedTemporaryFile(prefix="celery-worker-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "opc_community", "worker", f"--pool={pool}", "--concurrency=1",
             # With its heartbeat, as in production: /healthz reads it (Celery's heartbeat_sent signal).
             "--queues", queue, "--loglevel=warning", "--without-gossip", "--without-mingle"],
            env={**os.environ, "DATABASE_URL": database_url(), "CELERY_QUEUE": queue, "DEBUG": "1",
                 "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend", **env},
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def pool_processes(self) -> list[int]:
        """The pids of the prefork pool's processes (children of the main process)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def kill_pool_process(self) -> None:
        """SIGKILL to the pool's one process; the main process stays and sees it die."""
        [pid] = self.pool_processes()
        os.kill(pid, signal.SIGKILL)

    def kill(self) -> None:
        """SIGKILL to the whole worker — main process and pool — as an OOM killer or a power cut would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Warm shutdown (SIGTERM), then SIGKILL after 20 s; prints the output if the worker failed."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()
        output = Path(self.log.name).read_text(errors="replace")
        os.unlink(self.log.name)
        if self.process.returncode not in (0, -signal.SIGTERM, -signal.SIGKILL):
            print(output)


def start_worker(queue: str, *, pool: str = "solo", env: dict[str, str] | None = None) -> Worker:
    return Worker(queue, pool=pool, env=env or {})


def wait_until(condition: Callable[[], object], *, timeout: float, what: str) -> object:
    """Poll ``condition`` every 0.1 s until it returns something true; fail the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
