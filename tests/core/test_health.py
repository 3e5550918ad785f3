"""/healthz: the database, Redis, the worker's and beat's heartbeats, with real services — and with
PostgreSQL or Redis unreachable (a closed port)."""

import time
import uuid

import pytest
from celery import Celery
from django.urls import reverse

from opc_community.core import health
from opc_community.core.health import Check, Overall, State
from tests.core.outage import closed_port

HEALTHZ = "/healthz"


@pytest.fixture(autouse=True)
def _own_heartbeats(settings):
    """Heartbeat keys of this test only (the real Redis, nothing shared with a running worker)."""
    settings.HEALTH_KEY_PREFIX = f"opc-test-{uuid.uuid4().hex}:health"
    health._last_recorded.clear()


def beat_once(tmp_path) -> None:
    """One tick of beat's scheduler, with an empty schedule (nothing is sent)."""
    app = Celery(set_as_current=False)
    health.HeartbeatScheduler(app=app, schedule_filename=str(tmp_path / "schedule")).tick()


# --- The pure rules ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last", "expected"),
    [(None, State.UNKNOWN), (1000.0, State.OK), (940.0, State.OK), (939.0, State.STALE), (1005.0, State.OK)],
)
def test_a_heartbeat_is_stale_once_older_than_its_limit(last, expected):
    assert health.heartbeat_state(last=last, now=1000.0, stale_after=60).state == expected


@pytest.mark.parametrize(
    ("database", "others", "expected"),
    [
        (State.OK, [State.OK, State.OK, State.OK], Overall.OK),
        (State.OK, [State.ERROR, State.UNKNOWN, State.UNKNOWN], Overall.DEGRADED),
        (State.OK, [State.OK, State.STALE, State.OK], Overall.DEGRADED),
        (State.ERROR, [State.OK, State.OK, State.OK], Overall.DOWN),
        (State.ERROR, [State.ERROR, State.UNKNOWN, State.UNKNOWN], Overall.DOWN),
    ],
)
def test_down_without_the_database_degraded_without_anything_else(database, others, expected):
    assert health.overall(database=database, others=others) == expected


def test_only_a_database_outage_is_a_503():
    assert health.Report(Overall.DOWN, {}).http_status == 503
    assert health.Report(Overall.DEGRADED, {}).http_status == 200


# --- The endpoint ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_everything_up(client, tmp_path):
    health.worker_heartbeat()
    beat_once(tmp_path)
    response = client.get(HEALTHZ)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok", "redis": "ok", "worker": "ok", "beat": "ok"}
    assert body["checks"]["worker"]["age_seconds"] <= 1
    assert isinstance(body["checks"]["database"]["ms"], int)


@pytest.mark.django_db
def test_no_worker_or_beat_yet_is_degraded_not_down(client):
    response = client.get(HEALTHZ)
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["worker"] == {"status": "unknown", "age_seconds": None}


@pytest.mark.django_db
def test_a_stale_worker_heartbeat(client, settings, tmp_path):
    health._redis().set(health._key(health.WORKER), repr(time.time() - 61))
    beat_once(tmp_path)
    body = client.get(HEALTHZ).json()
    assert body["status"] == "degraded"
    assert body["checks"]["worker"]["status"] == "stale"
    assert body["checks"]["worker"]["age_seconds"] == 61
    assert body["checks"]["beat"]["status"] == "ok"


def test_the_database_down_is_a_503(client, database_down, tmp_path):
    health.worker_heartbeat()
    beat_once(tmp_path)
    started = time.monotonic()
    response = client.get(HEALTHZ)
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["database"]["status"] == "error"
    assert body["checks"]["redis"]["status"] == "ok"


@pytest.mark.django_db
def test_redis_down_is_reported_and_degraded(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    health.worker_heartbeat()  # cannot be written: logged, never raised
    response = client.get(HEALTHZ)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok", "redis": "error", "worker": "unknown", "beat": "unknown"}


@pytest.mark.django_db
def test_it_says_nothing_but_states_and_ages(client):
    body = client.get(HEALTHZ).content.decode()
    for secret in ("127.0.0.1", "postgres", "redis://", "6379", "5432"):
        assert secret not in body


@pytest.mark.django_db
def test_it_answers_get_only(client):
    assert client.post(HEALTHZ).status_code == 405
    assert reverse("healthz") == HEALTHZ


# --- Heartbeats -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_worker_heartbeat_is_written_at_most_every_so_often(settings):
    settings.HEALTH_HEARTBEAT_EVERY = 15
    health.worker_heartbeat()
    first = health.check_redis_and_heartbeats()[health.WORKER]
    health._redis().delete(health._key(health.WORKER))
    health.worker_heartbeat()  # within 15 s of the first: not written again
    assert first.state == State.OK
    assert health.check_redis_and_heartbeats()[health.WORKER] == Check(State.UNKNOWN)
