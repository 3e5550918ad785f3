"""Celery tasks of the portal: thin wrappers around services (STYLE.md #9)."""

from smtplib import SMTPException

from celery import shared_task

from opc_community.portal.services import notification_emails_send


@shared_task(autoretry_for=(SMTPException, OSError), retry_backoff=True, max_retries=5)
def send_notification_emails(notification_ids: list[int]) -> int:
    """Email notifications created by ``notify()``; safe to run twice (already-emailed rows are skipped)."""
    return notification_emails_send(notification_ids=notification_ids)
