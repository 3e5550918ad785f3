"""The overdue-grant flag (第八章第一条): run twice, the administrator is told once."""
# ruff: noqa: F811 - pytest fixtures imported from support.rewards are parameters here

from datetime import date

import pytest

from discipline import tasks
from discipline.services import reward_grants
from discipline.services import rewards as services
from opc_community.notices.models import Publication
from opc_community.notices.services import publication_close
from opc_community.portal.models import Notification
from tests.discipline.support.rewards import at, member_a, on_day  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_task_flags_each_overdue_grant_once(member_a, administrator):
    with on_day(date(2026, 9, 28)):
        reward = services.reward_verify_other(resident=member_a, choice="cash", amount="300", reason="分享",
                                              actor=administrator)
        reward_grants.reward_publish(reward=reward, actor=administrator)
    publication_close(publication=Publication.objects.get(object_id=reward.pk, kind="reward_decision"),
                      now=at(date(2026, 10, 9), 0, 5))
    with on_day(date(2026, 10, 21), 23):
        assert tasks.flag_overdue_reward_grants.delay().get() == 0
    with on_day(date(2026, 10, 22), 8):
        assert tasks.flag_overdue_reward_grants.delay().get() == 1
        assert tasks.flag_overdue_reward_grants.delay().get() == 0
    assert Notification.objects.filter(kind="discipline.reward_grant_overdue", recipient=administrator).count() == 1
