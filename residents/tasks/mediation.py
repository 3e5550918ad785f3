"""Scheduled work for mediation (第四章第三条) and questions about the rules (第九章第五条): overdue flags.

Thin and idempotent: each finds the missed deadlines and tells the daily management team once
per deadline (the notifications carry a dedupe key).
"""

from celery import shared_task
from django.utils import timezone

from residents.services.mediation import mediations_flag_overdue
from residents.services.rule_questions import questions_flag_overdue

__all__ = ["flag_overdue_mediations", "flag_overdue_rule_questions"]


@shared_task
def flag_overdue_mediations() -> int:
    """Sessions not scheduled and mediations not closed in time, told to the team once each."""
    return mediations_flag_overdue(now=timezone.now())


@shared_task
def flag_overdue_rule_questions() -> int:
    """Questions about the rules not answered in time, told to the team once each."""
    return questions_flag_overdue(now=timezone.now())
