"""The audit trail's retention (第三章第五条, RULEBOOK §4.7; docs/performance.md "Audit trail growth").

A resident's archive — and the audit trail of every change to it — is kept at least three years after
exit (``Resident.retain_until``, set at the exit). Once that date has passed, the trail of the
resident's records is no longer required and goes: the events of the resident row itself, of its
application, and of every audited row that names the resident (a booking, an invoice, an attendance,
a quarter's inputs, …: every event table with a column pointing at ``residents.Resident``). Events of
rows that name no resident (rooms, the calendar, the rulebook) are kept.

One DELETE per event table, set-based, whatever the number of residents; a second run finds nothing
left to delete. Event tables are append-only: their guard is switched off for the statement with
``pgtrigger.ignore``, which only the database owner may do (``opc_community.core.db_roles``), so the
purge runs as ``manage.py purge_audit_trail`` (the owner role), not in the web server or worker.
"""

import logging
from datetime import date

import pgtrigger
from django.db import models, transaction
from django.db.models import Q
from pghistory import core as pghistory_core

from opc_community.accounts.actors import Actor
from residents.models import Application, Resident, ResidentStatus

logger = logging.getLogger(__name__)


def _purged_rows(events: type[models.Model], expired: models.QuerySet) -> Q | None:
    """Which events of ``events`` belong to the residents of ``expired`` (None: none can)."""
    tracked = events.pgh_tracked_model  # type: ignore[attr-defined]
    condition = Q()
    if tracked is Resident:
        condition |= Q(pgh_obj_id__in=expired.values("pk"))
    if tracked is Application:
        condition |= Q(pgh_obj_id__in=expired.values("application_id"))
    for column in events._meta.concrete_fields:
        if (
            column.is_relation
            and column.related_model is Resident
            and not column.name.startswith("pgh_")
        ):
            condition |= Q(**{f"{column.attname}__in": expired.values("pk")})
    return condition or None


@transaction.atomic
def audit_trail_purge(*, today: date, actor: Actor | None) -> dict[str, int]:
    """Delete the audit events of residents whose archive retention ended before ``today``.

    Returns the number of events deleted per event model (only those with deletions). Idempotent.
    """
    # 第三章第五条: kept at least three years after exit; the same test as the archive's own delete guard.
    expired = Resident.objects.filter(status=ResidentStatus.EXITED, retain_until__lt=today)
    deleted: dict[str, int] = {}
    for events in pghistory_core.event_models():
        if not hasattr(events, "pgh_obj"):
            continue
        condition = _purged_rows(events, expired)
        if condition is None:
            continue
        with pgtrigger.ignore(f"{events._meta.label}:append_only"):
            count, _by_model = events.objects.filter(condition).delete()
        if count:
            deleted[events._meta.label] = count
    logger.info(
        "audit trail purge on %s by %s: %s", today, getattr(actor, "pk", None) or "system", deleted
    )
    return deleted
