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
