"""Emails of the sign-up (residents.services.intake): sent after the sign-up's transaction commits."""

from smtplib import SMTPException

from celery import shared_task

from residents.services.intake import sign_up_email_send

__all__ = ["send_sign_up_email"]


@shared_task(autoretry_for=(SMTPException, OSError), retry_backoff=True, max_retries=5)
def send_sign_up_email(kind: str, user_id: int, origin: str) -> bool:
    """One email of the sign-up (activation link, "someone used your address or number")."""
    return sign_up_email_send(kind=kind, user_id=user_id, origin=origin)
