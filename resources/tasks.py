"""Celery tasks of the resources app."""

from celery import shared_task


@shared_task
def expire_vouchers() -> int:
    """第四章第二条 (RULEBOOK §6): grants past their validity lose what is left, once each (idempotent)."""
    from resources.services.voucher_expiry import grants_expire

    return grants_expire()


@shared_task
def warn_expiring_vouchers() -> int:
    """Residents are warned before a balance expires (rule data: days before), once per grant."""
    from resources.services.voucher_expiry import expiry_warn

    return expiry_warn()


@shared_task
def remind_policy_deadlines() -> int:
    """第五章第二条: residents following a policy are reminded before its deadline (rule data), once each."""
    from resources.services.policies import reminders_send

    return reminders_send()


@shared_task
def flag_overdue_policy_help() -> int:
    """Requests for policy help unanswered after their due day are flagged to the resources team, once each."""
    from resources.services.policies import help_flag_overdue

    return help_flag_overdue()


@shared_task
def expire_sharing_posts() -> int:
    """第四章第二条 3 (RULEBOOK §6 decision): sharing posts past their expiry leave the board; the author is told once."""
    from resources.services.sharing import posts_expire

    return posts_expire()


@shared_task
def flag_overdue_service_requests() -> int:
    """第五章第三条: every missed deadline of a service request is told to its handler once (idempotent)."""
    from resources.services.stage import requests_flag_overdue

    return requests_flag_overdue()


@shared_task
def surveys_and_standing_notices() -> dict[str, str]:
    """第五章第四条 and 第四章第四条 2 (idempotent): the current quarter's survey exists, finished quarters are
    evaluated once, and the standing notices on the public board show today's figures."""
    from resources.services.board import standing_notices_refresh
    from resources.services.surveys import survey_ensure_current, surveys_evaluate_due

    survey_ensure_current()
    surveys_evaluate_due()
    return standing_notices_refresh()
