"""Is the system up? The checks behind ``/healthz``, and the heartbeats of the Celery worker and beat.

- **database**: a fresh connection to PostgreSQL and ``SELECT 1``, with a short connect and statement
  timeout (the request's own connection is not used: it may be broken, or pooled and stale);
- **redis**: ``PING`` with short socket timeouts;
- **worker**: the worker refreshes a Redis key while it runs (Celery's ``heartbeat_sent`` signal,
  sent every 2 s, recorded at most every ``HEALTH_HEARTBEAT_EVERY``);
- **beat**: beat's scheduler records each tick (:class:`HeartbeatScheduler`; beat ticks at least
  every ``CELERY_BEAT_MAX_LOOP_INTERVAL`` seconds).

Overall (:func:`overall`): the site cannot serve without its database → ``down`` (HTTP 503, so a load
balancer or orchestrator takes it out of service). Redis unreachable, or a worker or beat heartbeat
missing or older than its limit → ``degraded`` (HTTP 200: pages still work, jobs and e-mails wait;
restarting the web process would not help, so monitoring alerts on the status instead).

The report names the state of each part and its age in seconds, never an address, a message or data.
"""

import logging
import math
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import psycopg
import redis
from celery.beat import PersistentScheduler
from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

WORKER, BEAT = "worker", "beat"


class State(StrEnum):
    OK = "ok"
    ERROR = "error"  # unreachable
    STALE = "stale"  # a heartbeat older than its limit
    UNKNOWN = "unknown"  # no heartbeat recorded (never started, or Redis unreachable)


class Overall(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"


@dataclass(frozen=True)
class Check:
    state: State
    seconds: float | None = None  # how long the check took, or the age of the heartbeat

    def as_dict(self, *, age: bool = False) -> dict[str, Any]:
        key = "age_seconds" if age else "ms"
        value = None if self.seconds is None else (round(self.seconds) if age else round(self.seconds * 1000))
        return {"status": str(self.state), key: value}


# --- Pure rules --------------------------------------------------------------------------------------


def heartbeat_state(*, last: float | None, now: float, stale_after: float) -> Check:
    """A heartbeat recorded at ``last`` (epoch seconds), judged at ``now``."""
    if last is None:
        return Check(State.UNKNOWN)
    age = max(now - last, 0.0)
    return Check(State.OK if age <= stale_after else State.STALE, age)


def overall(*, database: State, others: list[State]) -> Overall:
    """Down without the database; degraded when anything else is not ok."""
    if database != State.OK:
        return Overall.DOWN
    return Overall.OK if all(state == State.OK for state in others) else Overall.DEGRADED


# --- Checks -------------------------------------------------------------------------------------------


def _timeout() -> float:
    return float(settings.HEALTH_CHECK_TIMEOUT)


def check_database() -> Check:
    started = time.monotonic()
    params = connections["default"].get_connection_params()
    params["connect_timeout"] = max(1, math.ceil(_timeout()))
    try:
        with psycopg.connect(**params) as connection:
            connection.execute("SET statement_timeout = %s", [int(_timeout() * 1000)])
            connection.execute("SELECT 1")
    except psycopg.Error:
        logger.warning("Health check: PostgreSQL is unreachable.", exc_info=True)
        return Check(State.ERROR, time.monotonic() - started)
    return Check(State.OK, time.monotonic() - started)


def _redis() -> redis.Redis:
    return redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=_timeout(), socket_timeout=_timeout()
    )


def _key(name: str) -> str:
    return f"{settings.HEALTH_KEY_PREFIX}:{name}"


def check_redis_and_heartbeats(*, now: float | None = None) -> dict[str, Check]:
    """Redis, and the worker's and beat's heartbeats read from it (one round trip after the PING)."""
    started = time.monotonic()
    try:
        client = _redis()
        client.ping()
        redis_check = Check(State.OK, time.monotonic() - started)
        worker, beat = client.mget([_key(WORKER), _key(BEAT)])
    except redis.RedisError:
        logger.warning("Health check: Redis is unreachable.", exc_info=True)
        return {"redis": Check(State.ERROR, time.monotonic() - started),
                WORKER: Check(State.UNKNOWN), BEAT: Check(State.UNKNOWN)}
    now = time.time() if now is None else now
    return {
        "redis": redis_check,
        WORKER: heartbeat_state(last=_float(worker), now=now, stale_after=settings.HEALTH_WORKER_STALE_AFTER),
        BEAT: heartbeat_state(last=_float(beat), now=now, stale_after=settings.HEALTH_BEAT_STALE_AFTER),
    }


def _float(raw: bytes | None) -> float | None:
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Report:
    status: Overall
    checks: dict[str, Check]

    @property
    def http_status(self) -> int:
        return 503 if self.status == Overall.DOWN else 200

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": str(self.status),
            "checks": {name: check.as_dict(age=name in (WORKER, BEAT)) for name, check in self.checks.items()},
        }


def report() -> Report:
    checks = {"database": check_database(), **check_redis_and_heartbeats()}
    others = [check.state for name, check in checks.items() if name != "database"]
    return Report(overall(database=checks["database"].state, others=others), checks)


# --- Heartbeats ---------------------------------------------------------------------------------------

_last_recorded: dict[str, float] = {}


def record_heartbeat(name: str, *, every: float = 0.0) -> None:
    """Store "``name`` is alive now" in Redis (kept a day); at most once per ``every`` seconds per
    process. Never raises: a heartbeat that cannot be written shows as stale on /healthz."""
    now = time.time()
    if now - _last_recorded.get(name, 0.0) < every:
        return
    try:
        _redis().set(_key(name), repr(now), ex=24 * 60 * 60)
    except redis.RedisError:
        logger.warning("Could not record the %s heartbeat: Redis is unreachable.", name)
        return
    _last_recorded[name] = now


def worker_heartbeat(**_: Any) -> None:
    """Receiver of Celery's ``heartbeat_sent`` (connected in ``core.apps``)."""
    record_heartbeat(WORKER, every=settings.HEALTH_HEARTBEAT_EVERY)


class HeartbeatScheduler(PersistentScheduler):
    """Beat's scheduler (``CELERY_BEAT_SCHEDULER``), recording each tick as beat's heartbeat."""

    def tick(self, *args: Any, **kwargs: Any) -> float:
        record_heartbeat(BEAT, every=settings.HEALTH_HEARTBEAT_EVERY)
        return super().tick(*args, **kwargs)
