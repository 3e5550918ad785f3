"""notify() and the read services: bulk, idempotent, e-mail queued in the outbox and sent after commit."""

from datetime import date

import pytest
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy

from opc_community.core.errors import DomainError
from opc_community.core.moments import format_day
from opc_community.portal.models import EmailState, Notification
from opc_community.portal.services import (
    notification_emails_send,
    notification_mark_read,
    notifications_mark_all_read,
    notify,
)
from tests.factories import UserFactory
from tests.portal.factories import NotificationFactory

pytestmark = pytest.mark.django_db


def test_notify_writes_one_row_per_recipient_in_one_query(
    django_assert_num_queries, resident_a, resident_b, outsider
):
    # Given three recipients (one listed twice)
    # When they are notified
    with django_assert_num_queries(
        1
    ):  # INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING RETURNING …
        created = notify(
            recipients=[resident_a, resident_b, outsider, resident_a],
            title="社区停电通知",
            body="10月8日 9:00–12:00 停电检修。",
            link="/notices/",
            kind="announcement",
            email=False,
        )
    # Then each person has exactly one inbox row, returned with its recipient loaded
    assert sorted(n.recipient.username for n in created) == ["outsider", "resident_a", "resident_b"]
    assert all(n.pk and n.read_at is None and n.link == "/notices/" for n in created)
    assert Notification.objects.count() == 3


def test_notify_returns_saved_instances(resident_a):
    [created] = notify(recipients=[resident_a], title="t", body="b", email=False)
    assert created._state.adding is False
    created.refresh_from_db()
    assert created.title == "t"
    assert created.recipient == resident_a


def test_notify_nobody_does_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert notify(recipients=[], title="t", body="b") == []


def test_notify_with_dedupe_key_is_idempotent(
    django_capture_on_commit_callbacks, mailoutbox, resident_a
):
    # Given a job that notifies with a key, run twice (beat fired twice)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            notify(
                recipients=[resident_a],
                title="协议即将到期",
                body="您的入驻协议将于30天后到期。",
                kind="renewal_reminder",
                dedupe_key="renewal:2026-12-31",
            )
    # Then one row and one email
    assert Notification.objects.filter(recipient=resident_a).count() == 1
    assert len(mailoutbox) == 1


def test_second_notify_with_same_key_returns_only_the_new_rows(resident_a, resident_b):
    notify(recipients=[resident_a], title="t", body="b", dedupe_key="k", email=False)
    second = notify(
        recipients=[resident_a, resident_b], title="t", body="b", dedupe_key="k", email=False
    )
    assert [n.recipient for n in second] == [resident_b]


def test_the_same_key_may_be_used_for_different_people_and_no_key_never_conflicts(
    resident_a, resident_b
):
    notify(recipients=[resident_a, resident_b], title="t", body="b", dedupe_key="k", email=False)
    notify(recipients=[resident_a], title="t", body="b", email=False)
    notify(recipients=[resident_a], title="t", body="b", email=False)
    assert Notification.objects.filter(recipient=resident_a).count() == 3
    assert Notification.objects.filter(recipient=resident_b).count() == 1


def test_email_is_sent_only_after_commit(
    django_capture_on_commit_callbacks, mailoutbox, resident_a
):
    with django_capture_on_commit_callbacks() as callbacks:
        notify(recipients=[resident_a], title="审核结果", body="您的入驻申请已通过初审。")
        # Inside the transaction: the inbox row exists, no email has gone out
        assert Notification.objects.filter(recipient=resident_a).exists()
        assert mailoutbox == []
    assert len(callbacks) == 1
    callbacks[0]()  # the commit happens
    [message] = mailoutbox
    assert message.to == [resident_a.email]
    assert "审核结果" in message.subject
    assert "南沙国际 OPC 生态社区" in message.subject
    assert "张三，您好" in message.body
    assert "您的入驻申请已通过初审。" in message.body
    notification = Notification.objects.get(recipient=resident_a)
    assert (notification.email_state, notification.email_attempts) == (EmailState.SENT, 1)
    assert notification.emailed_at is not None


def test_no_email_when_the_transaction_rolls_back(
    django_capture_on_commit_callbacks, mailoutbox, resident_a
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(recipients=[resident_a], title="t", body="b")
        raise RuntimeError("the decision failed")
    assert callbacks == []
    assert mailoutbox == []
    assert not Notification.objects.exists()


def test_no_email_without_address_or_when_not_asked(django_capture_on_commit_callbacks, mailoutbox):
    no_address = UserFactory(email="")
    with_address = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[no_address], title="t", body="b")
        notify(recipients=[with_address], title="t", body="b", email=False)
    assert mailoutbox == []
    assert set(Notification.objects.values_list("email_state", flat=True)) == {EmailState.NONE}


def test_emails_are_sent_at_most_once(django_capture_on_commit_callbacks, mailoutbox, resident_a, resident_b):
    with django_capture_on_commit_callbacks():  # the nudge after commit is not run: the job sends
        notify(recipients=[resident_a, resident_b], title="t", body="b")
    assert notification_emails_send().sent == 2
    assert notification_emails_send().sent == 0
    assert sorted(m.to[0] for m in mailoutbox) == [resident_a.email, resident_b.email]


@pytest.mark.parametrize(
    "link", ["https://evil.example/", "//evil.example/", "portal/", "/\\evil.example"]
)
def test_links_must_stay_on_this_site(resident_a, link):
    with pytest.raises(ValueError, match="site paths"):
        notify(recipients=[resident_a], title="t", body="b", link=link)


def test_mark_read_is_idempotent_and_keeps_the_first_time(resident_a):
    notification = NotificationFactory(recipient=resident_a)
    notification_mark_read(notification=notification, user=resident_a)
    first = Notification.objects.get(pk=notification.pk).read_at
    assert first is not None
    notification_mark_read(
        notification=Notification.objects.get(pk=notification.pk), user=resident_a
    )
    assert Notification.objects.get(pk=notification.pk).read_at == first


def test_nobody_marks_another_persons_notification(resident_a, resident_b):
    notification = NotificationFactory(recipient=resident_a)
    with pytest.raises(DomainError):
        notification_mark_read(notification=notification, user=resident_b)
    assert Notification.objects.get(pk=notification.pk).read_at is None


def test_mark_all_read_touches_only_the_users_unread_rows(
    django_assert_num_queries, resident_a, resident_b
):
    NotificationFactory.create_batch(3, recipient=resident_a)
    NotificationFactory(recipient=resident_b)
    with django_assert_num_queries(1):  # one UPDATE
        assert notifications_mark_all_read(user=resident_a) == 3
    assert notifications_mark_all_read(user=resident_a) == 0
    assert Notification.objects.get(recipient=resident_b).read_at is None


def test_notifications_are_audited(resident_a):
    [notification] = notify(recipients=[resident_a], title="t", body="b", email=False)
    notification_mark_read(notification=notification, user=resident_a)
    labels = list(notification.events.order_by("pgh_id").values_list("pgh_label", flat=True))
    assert labels == ["insert", "update"]


def test_notify_stores_lazy_and_deferred_text_in_the_community_language(resident_a):
    """A notification caused in the English interface is still written in Chinese (the community's language)."""
    with translation.override("en"):
        (lazy,) = notify(recipients=[resident_a], title=gettext_lazy("Your exit is complete"), body="原因：无")
        (deferred,) = notify(
            recipients=[resident_a],
            title=lambda: gettext("Violation case %(number)s opened") % {"number": "违〔2026〕0001号"},
            body=lambda: format_day(date(2026, 10, 8)),
        )
    assert (lazy.title, lazy.body) == ("您的退出已办结", "原因：无")
    assert (deferred.title, deferred.body) == ("违规案件 违〔2026〕0001号 已立案", "2026年10月8日")
