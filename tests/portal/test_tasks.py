"""The outbox task is safe to run twice (beat, a nudge or a redelivery may start it again)."""

import pytest

from opc_community.portal.services import notify
from opc_community.portal.tasks import send_notification_emails

pytestmark = pytest.mark.django_db


def test_running_the_email_task_twice_sends_each_email_once(
    django_capture_on_commit_callbacks, mailoutbox, resident_a, resident_b
):
    with django_capture_on_commit_callbacks():
        notify(recipients=[resident_a, resident_b], title="t", body="b")
    assert send_notification_emails.delay().get()["sent"] == 2
    assert send_notification_emails.delay().get()["sent"] == 0
    assert len(mailoutbox) == 2
