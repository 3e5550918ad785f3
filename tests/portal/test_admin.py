"""The operations desk: branding, system warnings, the read-only notification log."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.portal.factories import NotificationFactory

pytestmark = pytest.mark.django_db


def test_admin_is_branded(client_for, administrator):
    page = client_for(administrator).get(reverse("admin:index")).content.decode()
    assert str(admin.site.site_header) in page
    assert "css/admin.css" in page


def test_system_warnings_are_shown_on_every_admin_page(client_for, administrator, monkeypatch):
    warning = {
        "level": "warning",
        "message": "2027 年节假日安排尚未导入",
        "link": "/admin/workdays/",
    }
    monkeypatch.setattr("opc_community.workdays.selectors.calendar_warnings", lambda: [warning])
    client = client_for(administrator)
    for url in (reverse("admin:index"), reverse("admin:portal_notification_changelist")):
        page = client.get(url).content.decode()
        assert "2027 年节假日安排尚未导入" in page
        assert 'href="/admin/workdays/"' in page
        assert 'class="messagelist opc-system-warnings"' in page


def test_notification_log_is_read_only(client_for, administrator, resident_a):
    notification = NotificationFactory(recipient=resident_a)
    client = client_for(administrator)
    changelist = client.get(reverse("admin:portal_notification_changelist"), {"q": "张三"})
    assert changelist.status_code == 200
    assert notification.title in changelist.content.decode()
    assert client.get(reverse("admin:portal_notification_add")).status_code == 403
    change = client.get(reverse("admin:portal_notification_change", args=[notification.pk]))
    assert change.status_code == 200
    assert 'name="title"' not in change.content.decode()  # shown, not editable
    assert (
        client.post(reverse("admin:portal_notification_delete", args=[notification.pk])).status_code
        == 403
    )


@pytest.mark.parametrize(("filter_value", "expected"), [("no", 1), ("yes", 1), ("", 2)])
def test_read_status_filter(client_for, administrator, resident_a, filter_value, expected):
    NotificationFactory(recipient=resident_a)
    NotificationFactory(recipient=resident_a, read_at="2026-10-08T09:00:00+08:00")
    params = {"read": filter_value} if filter_value else {}
    response = client_for(administrator).get(
        reverse("admin:portal_notification_changelist"), params
    )
    assert response.context["cl"].result_count == expected


def test_oversight_reads_the_log_and_other_staff_do_not(client_for, oversight, intake_staff):
    url = reverse("admin:portal_notification_changelist")
    assert client_for(oversight).get(url).status_code == 200
    assert client_for(intake_staff).get(url).status_code == 403


def test_changelist_query_count_does_not_grow_with_rows(
    client_for, administrator, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr(
        "opc_community.workdays.selectors.calendar_warnings", lambda: []
    )  # not this app's queries
    NotificationFactory.create_batch(30)
    client = client_for(administrator)
    # 1 session, 2 user, 3–4 the user's own and group permissions, 5 COUNT of the filtered rows,
    # 6 COUNT of all rows (the "show all" link), 7 the page of notifications JOIN recipients
    # (list_select_related: flat however many rows), 8 MIN/MAX dates and 9 the distinct days
    # (date hierarchy), 10 the distinct kinds (kind filter), 11 the user's role groups (the
    # residents admin in the sidebar checks roles; cached for the rest of the request)
    with django_assert_num_queries(11):
        assert client.get(reverse("admin:portal_notification_changelist")).status_code == 200
