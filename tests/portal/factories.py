"""Factories of the portal's tables (shared with the browser tests)."""

import factory

from opc_community.portal.models import Notification
from tests.factories import UserFactory


class NotificationFactory(factory.django.DjangoModelFactory):
    """An inbox row written directly, for tests that are not about ``notify()`` itself."""

    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"季度材料提交提醒 {n}")
    body = "请于 2026年10月12日 前在门户提交本季度经营材料（第六章第一条）。"
