"""Scheduled work of the notice board (settings.CELERY_BEAT_SCHEDULE, hourly)."""

import logging

from celery import shared_task
from django.utils import timezone

from opc_community.core.errors import InvalidTransition
from opc_community.notices import selectors, services
from opc_community.notices.models import Publication

logger = logging.getLogger(__name__)


@shared_task
def close_publication_windows() -> int:
    """Close every open publication whose window is over (RULEBOOK §10); return how many changed.

    Each publication is closed in its own transaction by ``publication_close``, which locks
    the row and moves it only from "open" (compare-and-set): a publication that a concurrent
    run, or staff, handled first is skipped, so running the job twice changes nothing the
    second time. A close handler that fails rolls back its own publication only; it is
    logged and retried on the next run.
    """
    now = timezone.now()
    changed = 0
    for publication_id in selectors.publication_ids_due_for_closing(now=now):
        try:
            services.publication_close(publication=Publication(pk=publication_id), now=now)
        except InvalidTransition:
            continue  # claimed by a concurrent run
        except Exception:
            logger.exception(
                "Closing publication %s failed; the next run retries it.", publication_id
            )
            continue
        changed += 1
    return changed


@shared_task
def flag_late_objections() -> int:
    """Tell the administrator once of each objection not decided within its working days (RULEBOOK §10,
    decisions added 2026-12); hourly and idempotent (the notice's dedupe key)."""
    return services.objections_overdue_flag(now=timezone.now())
