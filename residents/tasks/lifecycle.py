"""Daily jobs of the term (settings.CELERY_BEAT_SCHEDULE, 08:00 Asia/Shanghai).

Thin and idempotent (STYLE.md #9): one query selects the due rows, each row is
handled by a service in its own transaction that claims it with a compare-and-set,
so a beat that fires twice, or a worker that dies half-way, changes nothing the
second time. A row whose service fails is logged and retried on the next run.
"""

import logging

from celery import shared_task
from django.utils import timezone

from opc_community import rulebook
from residents.models import Agreement
from residents.selectors import lifecycle as selectors
from residents.services import lifecycle as services

logger = logging.getLogger(__name__)

__all__ = ["open_expiry_exits", "send_renewal_reminders"]


@shared_task
def send_renewal_reminders() -> int:
    """The 30-day renewal reminder (RULEBOOK §4.2), once per agreement; returns how many were sent."""
    today = timezone.localdate()
    days = rulebook.in_force(today).term.renewal_reminder_days
    sent = 0
    for pk in selectors.agreement_ids_due_for_reminder(today=today, reminder_days=days):
        try:
            sent += services.renewal_reminder_send(agreement=Agreement(pk=pk), today=today)
        except Exception:
            logger.exception("Renewal reminder for agreement %s failed; the next run retries it.", pk)
    return sent


@shared_task
def open_expiry_exits() -> int:
    """Agreements not renewed by their end date → exit on expiry with a grace period (RULEBOOK §4.4);
    renewed ones are closed as such. Returns how many exits were opened."""
    today = timezone.localdate()
    opened = 0
    for pk in selectors.agreement_ids_expired(today=today):
        try:
            opened += services.exit_open_on_expiry(agreement=Agreement(pk=pk), today=today) is not None
        except Exception:
            logger.exception("Expiry of agreement %s failed; the next run retries it.", pk)
    return opened
