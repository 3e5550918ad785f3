"""The unread badge is counted lazily: only when a page shows it, at most once per page."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import RequestFactory

from opc_community.portal.context_processors import portal
from tests.portal.factories import NotificationFactory

pytestmark = pytest.mark.django_db


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_no_query_when_the_page_does_not_show_the_badge(resident_a, django_assert_num_queries):
    with django_assert_num_queries(0):
        portal(_request(resident_a))


def test_one_query_however_often_the_badge_is_shown(resident_a, django_assert_num_queries):
    NotificationFactory.create_batch(2, recipient=resident_a)
    context = portal(_request(resident_a))
    template = Template(
        "{% if unread_notifications %}{{ unread_notifications }}/{{ unread_notifications }}{% endif %}"
    )
    with django_assert_num_queries(1):
        assert template.render(Context(context)) == "2/2"


def test_anonymous_visitors_cost_no_query(django_assert_num_queries):
    context = portal(_request(AnonymousUser()))
    with django_assert_num_queries(0):
        assert context["unread_notifications"] == 0
