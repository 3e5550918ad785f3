"""Three outbox runs at once (beat and a nudge, or a redelivery) send each e-mail once: rows are claimed with
SELECT … FOR UPDATE SKIP LOCKED and a compare-and-set, committed before the mail server is contacted.
Real parallel connections (threads, committed data)."""

from django.utils import timezone

from opc_community.portal.models import EmailState, Notification
from opc_community.portal.services import notification_emails_send
from tests.concurrency import committed_data, restore_snapshot_without_triggers, run_in_parallel  # noqa: F401
from tests.portal.factories import NotificationFactory

pytestmark = committed_data


def test_parallel_outbox_runs_send_each_email_once(mailoutbox):
    queued = NotificationFactory.create_batch(30, email_state=EmailState.PENDING, email_next_attempt_at=timezone.now())
    people = [notification.recipient for notification in queued]
    runs = run_in_parallel([notification_emails_send, notification_emails_send, notification_emails_send])
    assert not any(isinstance(run, Exception) for run in runs), runs
    assert sum(run.sent for run in runs) == 30
    assert sorted(message.to[0] for message in mailoutbox) == sorted(person.email for person in people)
    assert set(Notification.objects.values_list("email_state", flat=True)) == {EmailState.SENT}
