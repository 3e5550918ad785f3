"""Queueing a Celery job from a request or a service without ever failing because of the broker.

A job queued after a decision is a side effect: the decision is committed and must stand when Redis
is down or hung. So every job queued this way has something that catches up when the message is
lost — its beat schedule (the e-mail outbox) or a fallback on use (a notice's PDF is rendered when
first opened) — and :func:`enqueue` reports a broker failure instead of raising it. One attempt,
bounded by the broker's timeouts (settings ``REDIS_TIMEOUT``), and no result to wait for; after a
failure the process does not offer jobs to that broker for :data:`PAUSE_AFTER_FAILURE` seconds, so a
request (or a job) that queues several waits on a dead or hung Redis once, never longer than that
timeout. docs/operations.md, "Reliability".
"""

import logging
import math
import time
from typing import Any

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

#: What a broker that is down, hung or refusing raises while a message is sent.
BROKER_ERRORS = (OperationalError, RedisError, OSError)
#: Seconds during which a broker that just failed is not tried again by this process.
PAUSE_AFTER_FAILURE = 30

#: Broker URL → when it last failed (time.monotonic()), in this process.
_failed_at: dict[str, float] = {}


def enqueue(task: Task, *args: Any, **kwargs: Any) -> bool:
    """Send ``task(*args, **kwargs)`` to the broker once; False (logged) when the broker did not take it,
    or failed less than :data:`PAUSE_AFTER_FAILURE` seconds ago."""
    broker = task.app.conf.broker_url
    if time.monotonic() - _failed_at.get(broker, -math.inf) < PAUSE_AFTER_FAILURE:
        logger.warning("Not queueing %s: the broker failed moments ago; it is caught up later.", task.name)
        return False
    try:
        task.apply_async(args, kwargs, retry=False, ignore_result=True)
    except BROKER_ERRORS:
        _failed_at[broker] = time.monotonic()
        logger.warning("Could not queue %s (broker unreachable); it is caught up later.", task.name, exc_info=True)
        return False
    return True


def enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Queue ``task`` once the current transaction commits (STYLE.md #6); never raises (:func:`enqueue`)."""
    transaction.on_commit(lambda: enqueue(task, *args, **kwargs))
