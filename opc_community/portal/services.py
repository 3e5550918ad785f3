"""Writes of the portal: sending notifications and marking them read.

Every other app tells a person something through :func:`notify`; the inbox row
is written in the caller's transaction and the email goes out only after that
transaction commits (STYLE.md #6), so nobody is told about a decision that
rolled back.
"""

from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from opc_community.core.errors import DomainError
from opc_community.portal.models import Notification

_COLUMNS = [field.column for field in Notification._meta.concrete_fields]
_ATTNAMES = [field.attname for field in Notification._meta.concrete_fields]

# One statement whatever the number of recipients. ON CONFLICT DO NOTHING skips a
# recipient who already holds the dedupe_key (partial unique constraint), and
# RETURNING hands back exactly the rows that were inserted, which Django's
# bulk_create(ignore_conflicts=True) cannot do: only those people get an email.
_INSERT_SQL = f"""
    INSERT INTO {Notification._meta.db_table}
        (recipient_id, title, body, link, kind, dedupe_key, created_at)
    SELECT recipient_id, %s, %s, %s, %s, %s, %s
    FROM unnest(%s::bigint[]) AS recipients (recipient_id)
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
    title: str,
    body: str,
    link: str = "",
    kind: str = "",
    dedupe_key: str | None = None,
    email: bool = True,
) -> list[Notification]:
    """Put a message into each recipient's inbox and, after commit, email those with an address.

    ``recipients`` are user objects (duplicates are ignored). With ``dedupe_key``
    a recipient who already has a notification with that key is skipped, so a
    job can call this on every run and still notify each person once: the
    returned list holds only the notifications created by this call, and only
    they are emailed. ``title`` and ``body`` are stored as text in the language
    active now (jobs run in the site's default language, Chinese).

    One INSERT statement, atomic by itself, so no savepoint of its own: inside
    the caller's transaction the rows and the email stand or fall with it.
    """
    _check_link(link)
    people = {user.pk: user for user in recipients}
    if not people:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_SQL,
            [str(title), str(body), link, kind, dedupe_key, timezone.now(), list(people)],
        )
        rows = cursor.fetchall()
    created = [Notification.from_db(connection.alias, _ATTNAMES, row) for row in rows]
    for notification in created:
        notification.recipient = people[notification.recipient_id]
    to_email = [n.pk for n in created if email and n.recipient.email]
    if to_email:
        from opc_community.portal.tasks import send_notification_emails

        # robust: a broker outage must not turn a committed decision into an error
        # page; the message is in the inbox either way.
        transaction.on_commit(partial(send_notification_emails.delay, to_email), robust=True)
    return created


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


def notification_emails_send(*, notification_ids: list[int]) -> int:
    """Email the given notifications to their recipients, each at most once; returns how many were sent.

    The rows are claimed (``emailed_at``) and the mail sent inside one transaction:
    if the mail server fails, the claim rolls back and the task's retry sends them
    again; a second run for the same ids finds nothing left to send. Emails are
    written in the site's default language (they are read outside any session).
    """
    with transaction.atomic():
        pending = list(
            Notification.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(pk__in=notification_ids, emailed_at__isnull=True)
            .exclude(recipient__email="")
            .select_related("recipient")
            .order_by("pk")
        )
        if not pending:
            return 0
        with translation.override(settings.LANGUAGE_CODE):
            messages = [_notification_email(notification) for notification in pending]
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(
            emailed_at=timezone.now()
        )
        with get_connection() as mail_connection:
            mail_connection.send_messages(messages)
    return len(messages)


def _notification_email(notification: Notification) -> EmailMessage:
    recipient = notification.recipient
    subject = " ".join(f"[{settings.SITE_NAME}] {notification.title}".split())
    body = render_to_string(
        "portal/email/notification.txt",
        {"notification": notification, "recipient": recipient, "site_name": settings.SITE_NAME},
    )
    return EmailMessage(subject=subject, body=body, to=[recipient.email])
