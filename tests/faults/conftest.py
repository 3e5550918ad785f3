"""The private Redis of tests/faults (tests.faults.support.PrivateRedis) wired into this process, and the
fixtures borrowed from other folders."""

from collections.abc import Iterator

import pytest

from opc_community.celery import app as celery_app
from tests.faults.support import PrivateRedis
from tests.residents.conftest import member_a  # noqa: F401 (fixture)


@pytest.fixture
def private_redis(settings) -> Iterator[PrivateRedis]:
    """The cache and the Celery broker of this process on a private Redis; tasks are sent to it, not run
    in-process (the request path never reads a task's result)."""
    server = PrivateRedis()
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    try:
        settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": server.url}}
        celery_app.conf.update(broker_url=server.url, task_always_eager=False)
        _forget_celery_connections()
        yield server
    finally:
        celery_app.conf.update(saved)
        _forget_celery_connections()
        server.stop()


def _forget_celery_connections() -> None:
    """Celery keeps its broker connection pools once made; the next use makes them anew."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
