"""Activity registration asks the one guard (residents.guards; RULEBOOK §9, decisions added 2026-12): during a
*community* suspension the resident is refused with the reason and the end date, in the service and on the
activity's page; a suspension of another scope (public spaces, resources) does not stop it."""

from datetime import timedelta

import pytest
from django.urls import reverse

from discipline.models import Suspension, SuspensionScope
from opc_community.core.errors import DomainError
from resources.models import ActivityRegistration
from resources.services.activities import registration_create
from tests.resources.support import NOW, make_activity, sh

pytestmark = pytest.mark.django_db

ENDS = sh(2026, 10, 19, 18, 0)
REASON = "违规处罚：擅自宣传，情节严重"


def suspend(resident, scope: str) -> Suspension:
    return Suspension.objects.create(resident=resident, scope=scope, starts_at=NOW - timedelta(hours=1),
                                     ends_at=ENDS, reason=REASON)


@pytest.fixture
def activity(resources_staff):
    return make_activity(resources_staff)


def test_registration_is_refused_during_a_community_suspension(activity, member_a):
    suspend(member_a, SuspensionScope.COMMUNITY)
    with pytest.raises(DomainError) as refused:
        registration_create(activity=activity, resident=member_a, actor=member_a.user)
    message = str(refused.value.message)
    assert refused.value.code == "suspended"
    assert "您的社区使用权限已暂停至 2026年10月19日 18:00" in message and REASON in message
    assert "不能报名参加活动" in message
    assert not ActivityRegistration.objects.exists()


def test_the_activity_page_says_why(client_for, activity, member_a):
    suspend(member_a, SuspensionScope.COMMUNITY)
    response = client_for(member_a.user).post(reverse("resources:activity_register", args=[activity.pk]))
    assert response.status_code == 400
    page = response.content.decode()
    assert "2026年10月19日 18:00" in page and REASON in page
    assert not ActivityRegistration.objects.exists()


@pytest.mark.parametrize("scope", [SuspensionScope.PUBLIC_SPACES, SuspensionScope.RESOURCES])
def test_another_scope_does_not_stop_registration(activity, member_a, scope):
    suspend(member_a, scope)
    assert registration_create(activity=activity, resident=member_a, actor=member_a.user).resident == member_a
