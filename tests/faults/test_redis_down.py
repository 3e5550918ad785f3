"""Redis down or hung (docs/operations.md, "Reliability"): every request succeeds, its decision stands, and
nothing waits on Redis longer than its timeout (settings ``REDIS_TIMEOUT``, 2 s).

The cache and Celery of the test process use a private Redis that the test stops, starts or freezes
(SIGSTOP: the kernel still accepts connections, nothing answers — the worst case); data is committed,
so the after-commit steps run inside the request, as in production.
"""

import time

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from discipline.models import RectificationNotice
from opc_community.core import jobs
from opc_community.core.jobs import enqueue
from opc_community.core.tasks import ping
from opc_community.portal.models import EmailState, Notification
from opc_community.portal.tasks import send_notification_emails
from residents.models import Complaint
from scoring import quarters
from scoring.models import Quarter
from tests.concurrency import committed_data, restore_snapshot_without_triggers  # noqa: F401
from tests.discipline.support.cases import TODAY, at, open_case, to_notice
from tests.forms import form_token

pytestmark = committed_data

#: What a request may wait on a hung Redis: one timeout, plus the request's own work on a busy machine.
BOUND = settings.REDIS_TIMEOUT + 1.5

COMPLAINT = {"category": "facilities", "subject": "会议室空调不制冷", "text": "三楼 301 会议室空调从周一起不制冷。"}


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_a_complaint_filed_while_redis_is_down_is_saved_and_emailed_once_it_is_back(
    private_redis, client_for, member_a, daily_staff, mailoutbox
):
    # Given the resident has the complaint form open, and Redis goes down
    client = client_for(member_a.user)
    token = form_token(client, reverse("residents:complaint_new"))
    private_redis.stop()
    # When the resident files the complaint
    response, seconds = timed(
        lambda: client.post(reverse("residents:complaint_new"), {**COMPLAINT, "form_token": token})
    )
    # Then the page moves on to the complaint, which is saved, and the team's e-mail waits in the outbox
    assert response.status_code == 302 and seconds < BOUND
    complaint = Complaint.objects.get()
    assert response["Location"] == reverse("residents:complaint_detail", args=[complaint.pk])
    told = Notification.objects.get(recipient=daily_staff, kind="residents.complaint_filed")
    assert told.email_state == EmailState.PENDING and mailoutbox == []
    # When Redis is back and the outbox job runs (beat, every minute) — twice, as a redelivery would
    private_redis.start()
    assert send_notification_emails.apply().get()["sent"] == 1
    assert send_notification_emails.apply().get()["sent"] == 0
    # Then the e-mail went out exactly once
    told.refresh_from_db()
    assert told.email_state == EmailState.SENT
    assert [message.to for message in mailoutbox] == [[daily_staff.email]]


def test_a_hung_redis_holds_no_request_longer_than_its_timeout(
    private_redis, member_a, daily_staff, administrator, client_for
):
    quarter = Quarter.objects.create(year=2026, number=3, inputs_due_on=quarters.last_day(2026, 3))
    api = APIClient()
    api.force_login(member_a.user)
    admin = client_for(administrator)
    private_redis.freeze()
    try:
        # The API files the complaint (201); the nudge to the outbox job gives up after the timeout
        response, seconds = timed(lambda: api.post(reverse("complaint-list"), COMPLAINT, format="json"))
        assert response.status_code == 201 and seconds < BOUND
        assert Notification.objects.get(recipient=daily_staff).email_state == EmailState.PENDING
        # The quarter's progress page and its JSON say in Chinese that the live progress is unavailable
        page, seconds = timed(lambda: admin.get(reverse("admin:scoring_quarter_progress", args=[quarter.pk])))
        assert page.status_code == 200 and seconds < BOUND
        assert "暂时无法读取实时进度" in page.content.decode()
        progress = admin.get(reverse("admin:scoring_quarter_progress_json", args=[quarter.pk])).json()
        assert progress["stage"] == "unavailable" and "Redis" in progress["message"]
        # Starting the quarter run says the job queue is unreachable, and changes nothing
        response, seconds = timed(lambda: admin.post(
            reverse("admin:scoring_quarter_changelist"), {"action": "run", "_selected_action": [quarter.pk]},
            follow=True,
        ))
        assert response.status_code == 200 and seconds < BOUND + settings.REDIS_TIMEOUT  # the page reads the cache
        assert "任务队列（Redis）无法连接" in response.content.decode()
    finally:
        private_redis.thaw()
    quarter.refresh_from_db()
    assert quarter.run_started_at is None


def test_a_rectification_notice_issued_without_a_broker_stands(private_redis, member_a, daily_staff):
    """Its PDF is rendered when first opened instead (discipline.views.cases.notice_pdf)."""
    private_redis.stop()
    with time_machine.travel(at(TODAY), tick=True):  # the broker client's retry loop needs a running clock
        (notice, seconds) = timed(lambda: to_notice(open_case(member_a, daily_staff), daily_staff))
    assert seconds < BOUND  # four jobs to queue (notices, the PDF): the broker is tried once
    assert RectificationNotice.objects.get(pk=notice.pk).document.name == ""  # the render job was not queued


@pytest.mark.parametrize("fault", ["stop", "freeze"])
def test_enqueue_tries_a_failing_broker_once_then_pauses(private_redis, monkeypatch, fault):
    assert enqueue(ping) is True
    getattr(private_redis, fault)()
    queued, seconds = timed(lambda: enqueue(ping))
    assert queued is False and seconds < BOUND
    again, seconds = timed(lambda: enqueue(ping))
    assert again is False and seconds < 0.1  # not tried again for PAUSE_AFTER_FAILURE seconds
    private_redis.thaw() if fault == "freeze" else private_redis.start()
    monkeypatch.setattr(jobs, "PAUSE_AFTER_FAILURE", 0)  # the pause is over
    assert enqueue(ping) is True
