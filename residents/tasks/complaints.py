"""Scheduled work for complaints (第四章第四条): overdue flags, and auto-closing unconfirmed solutions.

Both tasks are thin and idempotent: they find due work and call a service; a
second run changes nothing (notifications carry a dedupe key; closing moves a
complaint only from "solution given").
"""

import logging

from celery import shared_task
from django.utils import timezone

from opc_community import rulebook
from opc_community.core.errors import InvalidTransition
from opc_community.workdays.rules import local_date
from residents.models import Complaint
from residents.selectors import complaints as selectors
from residents.services import complaint_deadlines as services

__all__ = ["close_unconfirmed_complaints", "flag_overdue_complaints"]

logger = logging.getLogger(__name__)

@shared_task
def flag_overdue_complaints() -> int:
    """Tell the daily management team about missed response and solution deadlines, once each."""
    return services.complaints_flag_overdue(now=timezone.now())


@shared_task
def close_unconfirmed_complaints() -> int:
    """Close solved complaints the resident neither confirmed nor reopened within the rulebook's
    ``deadlines.complaint_auto_close_working_days`` (a decision of ours; the regulation sets no
    such period); return how many were closed.
    """
    now = timezone.now()
    working_days = rulebook.in_force(on=local_date(now)).deadlines.complaint_auto_close_working_days
    closed = 0
    for complaint_id in selectors.solved_unconfirmed(before=now):
        try:
            services.complaint_auto_close(
                complaint=Complaint(pk=complaint_id), now=now, working_days=working_days
            )
        except InvalidTransition:
            continue  # still within the window, or confirmed/reopened meanwhile
        except Exception:
            logger.exception("Auto-closing complaint %s failed; the next run retries it.", complaint_id)
            continue
        closed += 1
    return closed
