"""The audit trail: every change to a domain table, recorded by PostgreSQL triggers.

django-pghistory writes an event row (before/after, who, which URL or job) for
each insert, update and delete, including bulk ``update()`` calls of set-based
jobs and raw SQL, which signal-based trackers miss. The request's user comes
from ``pghistory.middleware.HistoryMiddleware``; jobs and services name their
actor with :func:`acting_as`.
"""

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import TypeVar

import pghistory
import pgtrigger
from django.db import models
from pghistory import runtime as pghistory_runtime

ModelT = TypeVar("ModelT", bound=type[models.Model])


def audited(
    model: ModelT | None = None, *, exclude: Sequence[str] = (), level: pgtrigger.Level = pgtrigger.Row
) -> ModelT | Callable[[ModelT], ModelT]:
    """Class decorator: record every insert, update and delete of the model.

    Event rows are append-only (protected by a trigger against update and delete).
    ``exclude`` names fields never copied into the trail (secrets such as password hashes);
    a change touching only those fields writes no event. ``level=pgtrigger.Statement`` records
    with one trigger call per statement (from its transition tables) instead of one per row: for
    tables written set-based, thousands of rows in one statement.

    Each event table has an index on ``(pgh_obj, pgh_id)``: one object's history, and the previous
    event an update is compared with, are read through it (``opc_community.core.audit_trail``).
    """
    tracker = pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        exclude=list(exclude) or None,
        append_only=True,
        level=level,
        meta={"indexes": [models.Index(fields=["pgh_obj", "pgh_id"])]},
    )
    return tracker(model) if model is not None else tracker


def acting_as(actor: object | None, **context: object) -> AbstractContextManager:
    """Attach the actor (a user, or None for the system) and context to audit rows written inside.

    All changes of one outermost block share one context row, so nested services
    (a forced exit forfeiting the deposit) must not relabel it: keys already set by an
    enclosing block (the request's user, the outer service's action) are kept.
    """
    metadata = {"user": getattr(actor, "pk", None), **context}
    active = getattr(pghistory_runtime._tracker, "value", None)
    if active is not None:
        metadata = {key: value for key, value in metadata.items() if active.metadata.get(key) is None}
    return pghistory.context(**metadata)
