"""Writes of the portal: notifications, marking them read, and the e-mail outbox.

Every other app tells a person something through :func:`notify`. The inbox row is written in the
caller's transaction and is also the e-mail's outbox entry (``email_state`` "pending"): nobody is told
about a decision that rolled back, and no broker is needed to decide — a job
(:func:`notification_emails_send`, every minute, nudged after commit) sends what is pending, at most
once per notification. docs/operations.md, "Reliability".
"""

import logging
import smtplib
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from opc_community.accounts.actors import Actor
from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.core.errors import DomainError
from opc_community.core.i18n import StoredText, community_language, render_stored
from opc_community.core.jobs import enqueue_on_commit
from opc_community.portal.models import EmailState, Notification
from opc_community.portal.rules import Delivery, delivery_after, email_retry_delay

logger = logging.getLogger(__name__)

_COLUMNS = [field.column for field in Notification._meta.concrete_fields]
_ATTNAMES = [field.attname for field in Notification._meta.concrete_fields]

# One statement whatever the number of recipients. ON CONFLICT DO NOTHING skips a
# recipient who already holds the dedupe_key (partial unique constraint), and
# RETURNING hands back exactly the rows that were inserted, which Django's
# bulk_create(ignore_conflicts=True) cannot do: only those people get an email.
# Each row enters the outbox as "pending" (due now) or "none" (no e-mail wanted or no address).
_INSERT_SQL = f"""
    INSERT INTO {Notification._meta.db_table}
        (recipient_id, title, body, link, kind, dedupe_key, created_at,
         email_state, email_attempts, email_next_attempt_at, email_error)
    SELECT recipient_id, %(title)s, %(body)s, %(link)s, %(kind)s, %(key)s, %(now)s,
           email_state, 0, CASE WHEN email_state = %(pending)s THEN %(now)s::timestamptz END, ''
    FROM unnest(%(recipients)s::bigint[], %(states)s::text[]) AS recipients (recipient_id, email_state)
    ON CONFLICT DO NOTHING
    RETURNING {", ".join(_COLUMNS)}
"""


def _check_link(link: str) -> None:
    """A notification may only point inside this site (a path such as /portal/inbox/)."""
    if link and (not link.startswith("/") or link.startswith("//") or "\\" in link):
        raise ValueError(f"Notification links must be site paths starting with '/': {link!r}")


def notify(
    *,
    recipients: Iterable[Any],
    title: StoredText,
    body: StoredText,
    link: str = "",
    kind: str = "",
    dedupe_key: str | None = None,
    email: bool = True,
) -> list[Notification]:
    """Put a message into each recipient's inbox and queue an e-mail to those with an address.

    ``recipients`` are user objects (duplicates are ignored). With ``dedupe_key``
    a recipient who already has a notification with that key is skipped, so a
    job can call this on every run and still notify each person once: the
    returned list holds only the notifications created by this call, and only
    they are emailed. ``title`` and ``body`` are stored in the community language (Chinese)
    whatever the language active now (an English-interface action): pass them unrendered — a lazy
    string, or a callable such as ``lambda: _("Case %(number)s opened") % {...}`` — and they are
    rendered here under ``translation.override(settings.LANGUAGE_CODE)``
    (:mod:`opc_community.core.i18n`). A plain ``str`` is stored as it is (what a person typed).

    One INSERT statement, atomic by itself, so no savepoint of its own: inside
    the caller's transaction the rows and their e-mails stand or fall with it.
    After commit the outbox job is nudged (:func:`~opc_community.core.jobs.enqueue_on_commit`,
    which never fails the caller); without a broker the e-mail waits for the job's next minute.
    """
    _check_link(link)
    people = {user.pk: user for user in recipients}
    if not people:
        return []
    title, body = render_stored(title), render_stored(body)
    states = [EmailState.PENDING if email and user.email else EmailState.NONE for user in people.values()]
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_SQL,
            {
                "title": title, "body": body, "link": link, "kind": kind, "key": dedupe_key,
                "now": timezone.now(), "pending": EmailState.PENDING, "recipients": list(people),
                "states": [str(state) for state in states],
            },
        )
        rows = cursor.fetchall()
    created = [Notification.from_db(connection.alias, _ATTNAMES, row) for row in rows]
    for notification in created:
        notification.recipient = people[notification.recipient_id]
    if any(n.email_state == EmailState.PENDING for n in created):
        from opc_community.portal.tasks import send_notification_emails

        enqueue_on_commit(send_notification_emails)
    return created


Item = TypeVar("Item")


def notify_overdue(
    items: Iterable[Item],
    *,
    recipients: Iterable[Any],
    title: Callable[[Item], str],
    body: Callable[[Item], str],
    link: Callable[[Item], str],
    kind: str,
    dedupe_key: Callable[[Item], str],
) -> int:
    """Tell ``recipients`` of each overdue item once (its ``dedupe_key``), the texts written in the
    community language; returns how many items were flagged this time (a second run flags none). The
    daily flag jobs of late answers, decisions, publications and grants go through here."""
    flagged = 0
    for item in items:
        with community_language():
            created = notify(recipients=recipients, title=title(item), body=body(item), link=link(item), kind=kind,
                             dedupe_key=dedupe_key(item))
        flagged += bool(created)
    return flagged


def notification_mark_read(*, notification: Notification, user: Any) -> Notification:
    """Mark one of the user's own notifications read (idempotent: the first read time is kept)."""
    if notification.recipient_id != user.pk:
        raise DomainError(_("You can only mark your own messages as read."), code="not_recipient")
    if notification.read_at is None:
        now = timezone.now()
        # Compare-and-set: a concurrent read (two tabs) keeps the earlier time.
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notifications_mark_all_read(*, user: Any) -> int:
    """Mark every unread notification of the user read; returns how many changed (one UPDATE)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notifications_withdraw(*, dedupe_keys: Iterable[str]) -> int:
    """Take back the notifications sent under these keys, from every inbox (one DELETE); returns how many.

    For flags that no longer hold — an overdue notice whose deadline a calendar change moved
    (``opc_community.workdays.registry``): the job that raised it raises it again, under the same
    key, if the new deadline passes too. Keys name what a notification is about, never a person.
    """
    keys = sorted(set(dedupe_keys))
    if not keys:
        return 0
    deleted, _by_model = Notification.objects.filter(dedupe_key__in=keys).delete()
    return deleted



# --- The e-mail outbox ------------------------------------------------------------------------------
#
# At most once per notification: a row is claimed ("pending" → "sending", compare-and-set under
# SELECT … FOR UPDATE SKIP LOCKED) in a transaction of its own that commits *before* the mail server
# is contacted, and its outcome is written after. A worker that dies in between leaves the row
# "sending"; a later run finds it past the lease and marks it "failed" (delivery unknown) instead of
# sending it again. Only an error reply of the mail server (nothing was delivered) puts the row back
# to "pending", with exponential back-off; one e-mail is claimed at a time, so a failure or a crash
# touches that one only: the ones before are "sent", the ones after still "pending".


@dataclass
class OutboxRun:
    """What one run of the outbox did (the task's result, for the log)."""

    sent: int = 0
    retrying: int = 0  # refused by the mail server, back to "pending" with back-off
    failed: int = 0  # refused too often, or broken off mid-send (delivery unknown)
    interrupted: int = 0  # left "sending" by a run that died: "failed", never sent again
    unreachable: bool = False  # the mail server could not be reached: nothing was claimed

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _outbox() -> dict[str, int]:
    return settings.NOTIFICATION_EMAIL_OUTBOX


def _due(now: datetime) -> QuerySet[Notification]:
    return Notification.objects.filter(email_state=EmailState.PENDING, email_next_attempt_at__lte=now)


def notification_emails_send() -> OutboxRun:
    """Send the e-mails due (at most ``batch`` per run), each at most once (see above). Called by the
    job outside any transaction; an unreachable mail server costs no attempt (tried again next run)."""
    now = timezone.now()
    config = _outbox()
    run = OutboxRun()
    run.interrupted = Notification.objects.filter(
        email_state=EmailState.SENDING, email_claimed_at__lt=now - timedelta(seconds=config["sending_lease_seconds"])
    ).update(
        email_state=EmailState.FAILED, email_next_attempt_at=None,
        email_error=_("Interrupted while being sent: it may have been delivered, so it is not sent again."),
    )
    if not _due(now).exists():
        return run
    mail = get_connection()
    try:
        mail.open()
    except (OSError, smtplib.SMTPException):
        logger.warning("The mail server is unreachable; the outbox waits for the next run.", exc_info=True)
        run.unreachable = True
        return run
    try:
        for _index in range(config["batch"]):
            notification = _claim(now)
            if notification is None:
                break
            if _deliver(mail, notification, run=run) is Delivery.UNKNOWN:
                break  # the connection is in an unknown state: the rest waits for the next run
    finally:
        with suppress(OSError, smtplib.SMTPException):  # what was sent is recorded already
            mail.close()
    return run


def _claim(now: datetime) -> Notification | None:
    """The next e-mail due, now "sending" — committed before the mail server hears of it (durable:
    never inside a caller's transaction, which could roll the claim back after the e-mail went out)."""
    with transaction.atomic(durable=True):
        notification = (
            _due(now).select_for_update(no_key=True, of=("self",), skip_locked=True)
            .select_related("recipient").order_by("email_next_attempt_at", "pk").first()
        )
        if notification is not None:
            Notification.objects.filter(pk=notification.pk).update(
                email_state=EmailState.SENDING, email_claimed_at=timezone.now()
            )
    return notification


def _deliver(mail: Any, notification: Notification, *, run: OutboxRun) -> Delivery | None:
    """Hand one claimed e-mail to the mail server and record the outcome (compare-and-set on "sending")."""
    claimed = Notification.objects.filter(pk=notification.pk, email_state=EmailState.SENDING)
    if not notification.recipient.email:  # the address was removed since: nothing to send
        claimed.update(email_state=EmailState.NONE, email_next_attempt_at=None)
        return None
    try:
        with translation.override(settings.LANGUAGE_CODE):
            message = _notification_email(notification)
        mail.send_messages([message])
    except Exception as error:  # noqa: BLE001 - every failure is recorded on the row; see delivery_after
        delivery = delivery_after(error)
        _record_failure(claimed, notification, error, delivery=delivery, run=run)
        return delivery
    claimed.update(email_state=EmailState.SENT, emailed_at=timezone.now(), email_attempts=F("email_attempts") + 1,
                   email_next_attempt_at=None, email_error="")
    run.sent += 1
    return None


def _record_failure(
    claimed: QuerySet[Notification], notification: Notification, error: Exception, *, delivery: Delivery,
    run: OutboxRun,
) -> None:
    config = _outbox()
    attempts = notification.email_attempts + 1
    text = f"{type(error).__name__}: {error}"[:1000]
    if delivery is Delivery.REFUSED and attempts < config["max_attempts"]:
        delay = email_retry_delay(
            attempts, base_seconds=config["retry_base_seconds"], max_seconds=config["retry_max_seconds"]
        )
        claimed.update(email_state=EmailState.PENDING, email_attempts=attempts,
                       email_next_attempt_at=timezone.now() + delay,
                       email_error=text)
        run.retrying += 1
    else:
        claimed.update(email_state=EmailState.FAILED, email_attempts=attempts, email_next_attempt_at=None,
                       email_error=text)
        run.failed += 1
    logger.warning("E-mail of notification %s: %s (%s).", notification.pk, text, delivery.value)


def notification_emails_retry(*, notifications: Iterable[Notification], actor: Actor) -> int:
    """The administrator sends failed e-mails again (e.g. after checking with the recipient that an
    interrupted one never arrived); returns how many were queued. Only "failed" rows change."""
    if not has_role(actor, Role.ADMINISTRATOR):
        raise PermissionDenied(_("Only the administrator sends failed e-mails again."))
    queued = Notification.objects.filter(
        pk__in=[n.pk for n in notifications], email_state=EmailState.FAILED
    ).update(email_state=EmailState.PENDING, email_attempts=0, email_next_attempt_at=timezone.now(), email_error="")
    if queued:
        from opc_community.portal.tasks import send_notification_emails

        enqueue_on_commit(send_notification_emails)
    return queued


def _notification_email(notification: Notification) -> EmailMessage:
    recipient = notification.recipient
    subject = " ".join(f"[{settings.SITE_NAME}] {notification.title}".split())
    body = render_to_string(
        "portal/email/notification.txt",
        {"notification": notification, "recipient": recipient, "site_name": settings.SITE_NAME},
    )
    return EmailMessage(subject=subject, body=body, to=[recipient.email])
