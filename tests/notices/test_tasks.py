"""The hourly job that closes ended publication windows (RULEBOOK §10; settings.CELERY_BEAT_SCHEDULE)."""

from datetime import timedelta

import pytest
import time_machine

from opc_community.notices import registry, services
from opc_community.notices.models import (
    Publication,
    PublicationKind,
    PublicationOutcome,
    PublicationStatus,
)
from opc_community.notices.tasks import close_publication_windows
from tests.notices.conftest import AFTER, END, START

pytestmark = pytest.mark.django_db


def _snapshot() -> list[tuple]:
    return list(
        Publication.objects.order_by("pk").values_list(
            "pk", "status", "outcome", "closed_at", "updated_at"
        )
    )


def test_the_job_closes_ended_windows_and_a_second_run_changes_nothing(
    publish, penalty_handler, resident_b
):
    # Given a penalty without objections, a penalty with a pending objection (both ended),
    # and a policy notice whose window is still open
    quiet = publish()
    contested = publish(title="关于王*的处罚决定")
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        services.objection_submit(publication=contested, author=resident_b, text="事实有误")
    running = publish(kind=PublicationKind.POLICY_NOTICE, title="算力券申领通知", starts_at=AFTER)

    # When the job runs after the first two windows ended
    with time_machine.travel(AFTER + timedelta(minutes=5), tick=False):
        first_run = close_publication_windows.delay().get()
        after_first = _snapshot()
        events_after_first = Publication.pgh_event_model.objects.count()
        # …and runs again (beat fired twice)
        second_run = close_publication_windows.delay().get()

    # Then the first run changed two publications, the second nothing at all
    assert first_run == 2
    assert second_run == 0
    assert _snapshot() == after_first
    assert Publication.pgh_event_model.objects.count() == events_after_first
    quiet.refresh_from_db()
    contested.refresh_from_db()
    running.refresh_from_db()
    assert (quiet.status, quiet.outcome) == (
        PublicationStatus.CLOSED,
        PublicationOutcome.TAKES_EFFECT,
    )
    assert contested.status == PublicationStatus.AWAITING_DECISION
    assert running.status == PublicationStatus.OPEN
    # …and the owner heard once, about the one that took effect
    assert penalty_handler.calls == [(quiet.pk, False)]


@pytest.mark.parametrize(
    ("moment", "closed"),
    [
        (END, 0),  # the last second of the window: still open
        (AFTER - timedelta(microseconds=1), 0),
        (AFTER, 1),  # the next 00:00:00: over
    ],
)
def test_the_job_waits_for_the_last_second_of_the_window(publish, moment, closed):
    publish()

    with time_machine.travel(moment, tick=False):
        assert close_publication_windows() == closed


def test_a_failing_owner_does_not_block_the_other_publications(publish, monkeypatch):
    def broken(publication, *, overturned):
        raise RuntimeError("owner app failed")

    monkeypatch.setitem(registry._close_handlers, PublicationKind.REWARD_DECISION, broken)
    failing = publish(kind=PublicationKind.REWARD_DECISION, title="合规优秀奖励决定")
    fine = publish()

    with time_machine.travel(AFTER, tick=False):
        assert close_publication_windows() == 1

    failing.refresh_from_db()
    fine.refresh_from_db()
    assert failing.status == PublicationStatus.OPEN  # rolled back; the next run tries again
    assert fine.status == PublicationStatus.CLOSED


def test_the_job_leaves_withdrawn_and_awaiting_publications_alone(
    publish, administrator, resident_b
):
    withdrawn = publish()
    services.publication_withdraw(publication=withdrawn, reason="发布有误", actor=administrator)
    awaiting = publish(title="关于王*的处罚决定")
    with time_machine.travel(START, tick=False):
        services.objection_submit(publication=awaiting, author=resident_b, text="事实有误")
    services.publication_close(publication=awaiting, now=AFTER)

    with time_machine.travel(AFTER + timedelta(days=1), tick=False):
        assert close_publication_windows() == 0
