"""The working-day calendar held once per process, and its invalidation across processes.

The calendar is a few hundred rows that change a few times a year, yet nearly every page with a
deadline reads it. Each process (web worker, Celery worker) keeps the whole calendar in memory with
the *stamp* it was loaded under; the current stamp lives in the shared cache (Redis), so a read costs
one cache lookup and no database query while the stamp holds.

A change of the calendar (``workdays.services``, or any save or delete of a special day or a loaded
year: ``apps.ready`` connects the signals) calls :func:`changed`:

- when its transaction commits, a new stamp is written to the shared cache: every process loads the
  calendar again on its next read (the next request sees the edit);
- until then, reads in that same transaction load the calendar from the database and keep nothing,
  so the deadlines it recomputes use the new days and no other transaction sees uncommitted ones;
- when the transaction (or the savepoint) rolls back, Django drops the commit callback, and with it
  the bypass: nothing stale is left behind (tests, which run in rolled-back transactions, included).

When the shared cache cannot be reached, reads load from the database (correct, only slower). A stamp
read waits at most :data:`STAMP_TIMEOUT` (not the cache's ``REDIS_TIMEOUT``): a hung Redis must not add
seconds to every request that shows a deadline.
"""

import logging
import uuid
from datetime import date
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache
from django.db import connection, transaction
from redis.exceptions import RedisError

from opc_community.workdays.models import CalendarYear, SpecialDay
from opc_community.workdays.rules import WorkCalendar

logger = logging.getLogger(__name__)

STAMP_KEY = "workdays:calendar-stamp"
#: Seconds a read or write of the stamp may wait for Redis before the database is read instead.
STAMP_TIMEOUT = 0.25
_held: tuple[str, WorkCalendar] | None = None  # (stamp, calendar) of this process
_stamps: tuple[tuple[str, str], BaseCache] | None = None  # the shared cache with short timeouts


def calendar() -> WorkCalendar:
    """The whole working-day calendar: no query while this process holds the current stamp's, else
    two (special days; loaded years)."""
    global _held
    if _changed_in_this_transaction():
        return _load()
    try:
        stamp = _current_stamp()
    except RedisError:
        logger.warning(
            "The shared cache is unreachable: the working-day calendar is read from the database."
        )
        return _load()
    held = _held
    if held is not None and held[0] == stamp:
        return held[1]
    loaded = _load()
    _held = (stamp, loaded)
    return loaded


def changed() -> None:
    """The calendar changed in the current transaction: every process reloads it once it commits."""
    forget()
    transaction.on_commit(_publish)


def forget() -> None:
    """Drop this process's copy (tests start each with none)."""
    global _held
    _held = None


def _publish() -> None:
    forget()
    try:
        _shared().set(STAMP_KEY, uuid.uuid4().hex, timeout=None)
    except RedisError:
        # The other processes keep their copy until the stamp changes: say so loudly.
        logger.exception("The working-day calendar changed but the shared cache is unreachable.")


def _shared() -> BaseCache:
    """The default cache (same server, prefix and serializer) with :data:`STAMP_TIMEOUT` timeouts."""
    global _stamps
    config: dict[str, Any] = settings.CACHES["default"]
    if not str(config["BACKEND"]).endswith(".RedisCache"):
        return cache
    key = (str(config["LOCATION"]), str(config.get("KEY_PREFIX", "")))
    if _stamps is None or _stamps[0] != key:
        options = {**config.get("OPTIONS", {}), "socket_connect_timeout": STAMP_TIMEOUT,
                   "socket_timeout": STAMP_TIMEOUT}
        _stamps = (key, RedisCache(config["LOCATION"], {**config, "OPTIONS": options}))
    return _stamps[1]


def _current_stamp() -> str:
    shared = _shared()
    stamp = shared.get(STAMP_KEY)
    if stamp is None:  # first read since the cache was emptied: every process agrees on a fresh stamp
        shared.add(STAMP_KEY, uuid.uuid4().hex, timeout=None)
        stamp = shared.get(STAMP_KEY)
    return str(stamp)


def _changed_in_this_transaction() -> bool:
    # Django keeps the commit callbacks of the open transaction and drops those of a rolled-back
    # transaction or savepoint: ours there means an uncommitted change of the calendar.
    return any(
        entry[1] is _publish for entry in connection.run_on_commit
    )  # (savepoints, callback, robust)


def _load() -> WorkCalendar:
    holidays: set[date] = set()
    workdays: set[date] = set()
    for day, kind in SpecialDay.objects.values_list("date", "kind"):
        (holidays if kind == SpecialDay.Kind.HOLIDAY else workdays).add(day)
    loaded = CalendarYear.objects.values_list("year", flat=True)
    return WorkCalendar(frozenset(holidays), frozenset(workdays), frozenset(loaded))
