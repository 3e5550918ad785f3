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
def expire_sharing_posts() -> int:
    """第四章第二条 3 (RULEBOOK §6 decision): sharing posts past their expiry leave the board; the author is told once."""
    from resources.services.sharing import posts_expire

    return posts_expire()
