"""Pure rules of the e-mail outbox: the back-off between attempts and what a failed attempt means.

No database, no clock (STYLE.md #1); the numbers come from settings ``NOTIFICATION_EMAIL_OUTBOX``
(operations, not regulation: docs/operations.md, "Reliability").
"""

from datetime import timedelta
from enum import Enum
from smtplib import SMTPRecipientsRefused, SMTPResponseException


def email_retry_delay(attempts: int, *, base_seconds: int, max_seconds: int) -> timedelta:
    """The wait after the ``attempts``-th refused attempt: base · 2^(attempts − 1) seconds, at most max."""
    if attempts < 1:
        return timedelta(0)
    return timedelta(seconds=min(max_seconds, base_seconds * 2 ** (attempts - 1)))


class Delivery(Enum):
    """What an exception raised while one e-mail was handed to the mail server says about it."""

    REFUSED = "refused"  # the server answered with an error: not delivered, try again later
    UNKNOWN = "unknown"  # the exchange broke off: it may have been delivered, never send it again


def delivery_after(error: BaseException) -> Delivery:
    """An SMTP error reply (sender, recipients or content refused) means the server did not take the
    message; anything else (connection lost, timeout) may have struck after the server had taken it."""
    if isinstance(error, (SMTPResponseException, SMTPRecipientsRefused)):
        return Delivery.REFUSED
    return Delivery.UNKNOWN
