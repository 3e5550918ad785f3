"""The email task is safe to run twice (beat or a retry may deliver it again)."""

import pytest

from opc_community.portal.services import notify
from opc_community.portal.tasks import send_notification_emails

pytestmark = pytest.mark.django_db


def test_running_the_email_task_twice_sends_each_email_once(mailoutbox, resident_a, resident_b):
    ids = [
        n.pk for n in notify(recipients=[resident_a, resident_b], title="t", body="b", email=False)
    ]
    assert send_notification_emails.delay(ids).get() == 2
    assert send_notification_emails.delay(ids).get() == 0
    assert len(mailoutbox) == 2
