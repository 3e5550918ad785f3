"""/api/v1/notifications/: the logged-in person's own notifications only."""

import pytest
from rest_framework.test import APIClient

from tests.portal.factories import NotificationFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/notifications/"


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_list_holds_only_own_notifications(resident_a, resident_b):
    mine = NotificationFactory(recipient=resident_a)
    NotificationFactory(recipient=resident_b)
    response = _api(resident_a).get(LIST)
    assert response.status_code == 200
    assert [row["id"] for row in response.data["results"]] == [mine.pk]
    row = response.data["results"][0]
    assert set(row) == {"id", "title", "body", "link", "kind", "created_at", "read_at", "is_read"}
    assert row["is_read"] is False


def test_unread_filter(resident_a):
    unread = NotificationFactory(recipient=resident_a)
    NotificationFactory(recipient=resident_a, read_at="2026-10-08T09:00:00+08:00")
    response = _api(resident_a).get(LIST, {"read_at__isnull": "true"})
    assert [row["id"] for row in response.data["results"]] == [unread.pk]


def test_retrieve_another_persons_notification_is_404(resident_a, resident_b):
    notification = NotificationFactory(recipient=resident_a)
    assert _api(resident_b).get(f"{LIST}{notification.pk}/").status_code == 404
    assert _api(resident_a).get(f"{LIST}{notification.pk}/").status_code == 200


def test_mark_read(resident_a):
    notification = NotificationFactory(recipient=resident_a)
    response = _api(resident_a).post(f"{LIST}{notification.pk}/mark_read/")
    assert response.status_code == 200
    assert response.data["is_read"] is True
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_mark_read_of_another_persons_notification_is_404(resident_a, resident_b):
    notification = NotificationFactory(recipient=resident_a)
    assert _api(resident_b).post(f"{LIST}{notification.pk}/mark_read/").status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_read_refuses_get(resident_a):
    notification = NotificationFactory(recipient=resident_a)
    assert _api(resident_a).get(f"{LIST}{notification.pk}/mark_read/").status_code == 405


def test_read_only(resident_a):
    notification = NotificationFactory(recipient=resident_a)
    client = _api(resident_a)
    assert client.post(LIST, {"title": "x"}).status_code == 405
    assert client.delete(f"{LIST}{notification.pk}/").status_code == 405


def test_anonymous_is_refused():
    assert APIClient().get(LIST).status_code in (401, 403)


def test_list_query_count(resident_a, django_assert_num_queries):
    NotificationFactory.create_batch(5, recipient=resident_a)
    client = _api(resident_a)
    # 1 COUNT for the paginator, 2 the page (force_authenticate: no session or user query)
    with django_assert_num_queries(2):
        assert client.get(LIST).status_code == 200


def test_in_the_openapi_schema(openapi_schema):
    schema = openapi_schema
    assert "/api/v1/notifications/" in schema["paths"]
    assert "/api/v1/notifications/{id}/mark_read/" in schema["paths"]
