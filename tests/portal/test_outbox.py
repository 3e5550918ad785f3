"""The e-mail outbox (docs/operations.md, "Reliability"): each notification's e-mail is sent at most once.

A scripted mail backend stands in for the SMTP server (it refuses, breaks off or dies on cue); the
database is the real one. Races between two runs are in tests/faults/test_outbox_races.py.
"""

from datetime import timedelta
from smtplib import SMTPRecipientsRefused, SMTPServerDisconnected

import pytest
import time_machine
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from opc_community.portal.models import EmailState, Notification
from opc_community.portal.services import notification_emails_send, notify

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """Not an Exception: like a worker killed, nothing in the job catches it."""


class ScriptedBackend(BaseEmailBackend):
    """Delivers into ``delivered``; ``script`` maps an address to what happens to its next e-mails
    (an exception to raise before delivery, or "deliver-then-die")."""

    delivered: list = []
    script: dict = {}
    open_error: Exception | None = None

    def open(self) -> bool:
        if ScriptedBackend.open_error is not None:
            raise ScriptedBackend.open_error
        return True

    def send_messages(self, messages: list) -> int:
        for message in messages:
            steps = self.script.get(message.to[0], [])
            step = steps.pop(0) if steps else None
            if isinstance(step, BaseException):
                raise step
            self.delivered.append(message)
            if step == "deliver-then-die":
                raise WorkerKilled
        return len(messages)


@pytest.fixture(autouse=True)
def scripted(settings):
    settings.EMAIL_BACKEND = f"{__name__}.ScriptedBackend"
    ScriptedBackend.delivered, ScriptedBackend.script, ScriptedBackend.open_error = [], {}, None
    return ScriptedBackend


def queue(*users, **fields) -> list[Notification]:
    """Notifications with e-mails pending; the nudge after commit is not run (the test runs the job)."""
    with transaction.atomic():
        created = notify(recipients=users, title="诉求已受理", body="我们将于2个工作日内响应。", **fields)
    Notification.objects.filter(pk__in=[n.pk for n in created]).update(
        email_next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    return created


def later(**delta) -> time_machine.travel:
    """The clock moved on by ``delta`` (and running)."""
    return time_machine.travel(timezone.now() + timedelta(**delta))


def state(user) -> tuple:
    return Notification.objects.filter(recipient=user).values_list("email_state", "email_attempts").get()


def delivered_to() -> list[str]:
    return sorted(message.to[0] for message in ScriptedBackend.delivered)


def test_notify_puts_the_email_in_the_outbox_and_the_job_sends_it_once(resident_a, resident_b):
    queue(resident_a, resident_b)
    assert {state(resident_a), state(resident_b)} == {(EmailState.PENDING, 0)}
    run = notification_emails_send()
    assert (run.sent, run.retrying, run.failed) == (2, 0, 0)
    assert delivered_to() == sorted([resident_a.email, resident_b.email])
    assert state(resident_a) == (EmailState.SENT, 1)
    assert notification_emails_send().sent == 0
    assert len(ScriptedBackend.delivered) == 2


def test_an_email_not_yet_due_waits(resident_a):
    [notification] = queue(resident_a)
    Notification.objects.filter(pk=notification.pk).update(email_next_attempt_at=timezone.now() + timedelta(minutes=5))
    assert notification_emails_send().sent == 0
    with later(minutes=5):
        assert notification_emails_send().sent == 1


def test_a_refusal_is_retried_with_exponential_back_off_then_fails(scripted, settings, resident_a):
    settings.NOTIFICATION_EMAIL_OUTBOX = {**settings.NOTIFICATION_EMAIL_OUTBOX, "max_attempts": 3}
    refused = SMTPRecipientsRefused({resident_a.email: (450, b"mailbox busy")})
    scripted.script[resident_a.email] = [refused, refused, refused]
    queue(resident_a)
    waits = []
    for attempt in (1, 2):
        with later(days=attempt):
            before = timezone.now()
            assert notification_emails_send().retrying == 1
        notification = Notification.objects.get(recipient=resident_a)
        assert (notification.email_state, notification.email_attempts) == (EmailState.PENDING, attempt)
        assert "mailbox busy" in notification.email_error
        waits.append(round((notification.email_next_attempt_at - before).total_seconds() / 60))
    assert waits == [1, 2]  # 60 s · 2^(n − 1)
    with later(days=3):
        assert notification_emails_send().failed == 1
    assert state(resident_a) == (EmailState.FAILED, 3)
    with later(days=9):
        assert notification_emails_send().sent == 0
    assert ScriptedBackend.delivered == []


def test_a_failed_batch_never_sends_an_email_twice(scripted, resident_a, resident_b, outsider):
    """Three e-mails; the second is refused: the first and third go out once, the second once later."""
    scripted.script[resident_b.email] = [SMTPRecipientsRefused({resident_b.email: (451, b"try later")})]
    queue(resident_a, resident_b, outsider)
    run = notification_emails_send()
    assert (run.sent, run.retrying) == (2, 1)
    assert notification_emails_send().sent == 0  # the refused one waits for its back-off
    with later(minutes=2):
        assert notification_emails_send().sent == 1
    with later(days=1):
        assert notification_emails_send().sent == 0
    assert delivered_to() == sorted([resident_a.email, resident_b.email, outsider.email])


def test_a_connection_lost_mid_send_fails_that_email_for_good_and_stops_the_batch(scripted, resident_a, resident_b):
    """The server may have taken the message before the line dropped: never sent again automatically."""
    first, second = queue(resident_a, resident_b)
    scripted.script[first.recipient.email] = [SMTPServerDisconnected("Connection unexpectedly closed")]
    run = notification_emails_send()
    assert (run.sent, run.failed) == (0, 1)
    assert state(first.recipient) == (EmailState.FAILED, 1)
    assert state(second.recipient) == (EmailState.PENDING, 0)  # not attempted: the next run sends it
    with later(days=1):
        assert notification_emails_send().sent == 1
    assert delivered_to() == [second.recipient.email]


def test_an_unreachable_mail_server_costs_no_attempt(scripted, resident_a):
    scripted.open_error = ConnectionRefusedError(111, "Connection refused")
    queue(resident_a)
    assert notification_emails_send().unreachable is True
    assert state(resident_a) == (EmailState.PENDING, 0)
    scripted.open_error = None
    assert notification_emails_send().sent == 1


def test_a_worker_killed_after_the_server_took_the_email_never_sends_it_again(scripted, resident_a):
    """The claim is committed before the server hears of it: the row stays "sending", then "failed"."""
    scripted.script[resident_a.email] = ["deliver-then-die"]
    queue(resident_a)
    with pytest.raises(WorkerKilled):
        notification_emails_send()
    assert state(resident_a) == (EmailState.SENDING, 0)
    with later(minutes=5):
        assert notification_emails_send().interrupted == 0  # within the lease: maybe still sending
    with later(minutes=11):
        run = notification_emails_send()
    assert (run.interrupted, run.sent) == (1, 0)
    notification = Notification.objects.get(recipient=resident_a)
    assert notification.email_state == EmailState.FAILED
    assert "不再自动发送" in notification.email_error
    assert len(ScriptedBackend.delivered) == 1


def test_the_claim_must_commit_on_its_own(resident_a):
    """Inside a caller's transaction a claim could roll back after the e-mail went out: refused."""
    queue(resident_a)
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        notification_emails_send()


def test_a_removed_address_means_no_email(resident_a):
    queue(resident_a)
    type(resident_a).objects.filter(pk=resident_a.pk).update(email="")
    assert notification_emails_send().sent == 0
    assert state(resident_a) == (EmailState.NONE, 0)


def test_outbox_bookkeeping_writes_no_audit_events_but_the_sending_does(resident_a):
    [notification] = queue(resident_a)
    notification_emails_send()
    labels = list(notification.events.order_by("pgh_id").values_list("pgh_label", flat=True))
    assert labels == ["insert", "update"]  # the update sets emailed_at; claims and states are not tracked


# --- The administrator sends failed e-mails again ----------------------------------------------------


def failed(user) -> Notification:
    [notification] = queue(user)
    Notification.objects.filter(pk=notification.pk).update(email_state=EmailState.FAILED, email_attempts=8,
                                                             email_error="SMTPServerDisconnected")
    return notification


def test_the_administrator_sends_failed_emails_again(
    django_capture_on_commit_callbacks, client_for, administrator, resident_a
):
    notification = failed(resident_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(administrator).post(
            reverse("admin:portal_notification_changelist"),
            {"action": "send_again", "_selected_action": [notification.pk]},
        )
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.email_state == EmailState.SENT  # queued, and sent by the nudge (eager in tests)
    assert delivered_to() == [resident_a.email]


def test_only_the_administrator_may_send_again(client_for, oversight, resident_a):
    notification = failed(resident_a)
    client = client_for(oversight)
    page = client.get(reverse("admin:portal_notification_changelist"))
    assert page.status_code == 200 and "send_again" not in page.content.decode()
    client.post(reverse("admin:portal_notification_changelist"),
                {"action": "send_again", "_selected_action": [notification.pk]})
    assert Notification.objects.get(pk=notification.pk).email_state == EmailState.FAILED
