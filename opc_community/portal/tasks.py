"""Celery tasks of the portal: thin wrappers around services (STYLE.md #9)."""

from typing import Any

from celery import shared_task

from opc_community.portal.services import notification_emails_send


@shared_task
def send_notification_emails() -> dict[str, Any]:
    """The e-mail outbox: send what is pending (every minute, and nudged after each ``notify``).
    Safe to run twice or in parallel: each e-mail is claimed by one run and sent at most once."""
    return notification_emails_send().as_dict()
