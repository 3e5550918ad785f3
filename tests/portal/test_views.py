"""Portal pages: happy path, anonymous → login, wrong method → 405, another person → 404."""

import pytest
from django.urls import reverse

from opc_community.portal.models import Notification
from tests.factories import TEST_PASSWORD
from tests.portal.factories import NotificationFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("portal:login")
DASHBOARD = reverse("portal:dashboard")
INBOX = reverse("portal:inbox")
MARK_ALL = reverse("portal:mark_all_read")


def _login_redirect(path: str) -> str:
    return f"{LOGIN}?next={path}"


# --- Login and logout -----------------------------------------------------------------


def test_login_page_is_public_and_in_chinese(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="zh-hans">' in page
    assert "南沙国际 OPC 生态社区" in page
    assert "登录" in page
    assert "用户名" in page  # Django's own form labels, translated
    # An applicant finds the way in: sign-up is linked, not "contact the service desk".
    assert f'href="{reverse("residents:signup")}" data-testid="signup-link">注册并申请入驻</a>' in page


def test_login_sends_the_person_to_the_dashboard(client, resident_a):
    response = client.post(LOGIN, {"username": "resident_a", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == DASHBOARD


def test_login_follows_a_safe_next(client, resident_a):
    response = client.post(
        f"{LOGIN}?next={INBOX}",
        {"username": "resident_a", "password": TEST_PASSWORD, "next": INBOX},
    )
    assert response.headers["Location"] == INBOX


def test_login_ignores_a_next_to_another_site(client, resident_a):
    response = client.post(
        LOGIN,
        {"username": "resident_a", "password": TEST_PASSWORD, "next": "https://evil.example/"},
    )
    assert response.headers["Location"] == DASHBOARD


def test_wrong_password_comes_back_with_the_error_and_the_username(client, resident_a):
    response = client.post(LOGIN, {"username": "resident_a", "password": "wrong"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "请输入一个正确的" in page  # Django's message, in Chinese
    assert 'value="resident_a"' in page


def test_a_logged_in_person_is_sent_on_from_the_login_page(client_for, resident_a):
    assert client_for(resident_a).get(LOGIN).headers["Location"] == DASHBOARD


def test_logout_is_post_only(client_for, resident_a):
    client = client_for(resident_a)
    assert client.get(reverse("portal:logout")).status_code == 405
    response = client.post(reverse("portal:logout"), follow=True)
    assert response.redirect_chain[-1][0] == LOGIN
    assert "您已退出登录。" in response.content.decode()
    assert client.get(DASHBOARD).status_code == 302  # the session is gone


def test_logout_of_an_expired_session_just_goes_to_login(client):
    response = client.post(reverse("portal:logout"))
    assert response.status_code == 302
    assert response.headers["Location"] == LOGIN


# --- Password change ----------------------------------------------------------------


def test_password_change(client_for, resident_a):
    client = client_for(resident_a)
    url = reverse("portal:password_change")
    assert "修改密码" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "Nansha-harbour-2026",
            "new_password2": "Nansha-harbour-2026",
        },
    )
    assert response.headers["Location"] == reverse("portal:password_change_done")
    resident_a.refresh_from_db()
    assert resident_a.check_password("Nansha-harbour-2026")
    assert "密码已修改" in client.get(response.headers["Location"]).content.decode()


def test_password_change_error_is_shown_next_to_the_field(client_for, resident_a):
    response = client_for(resident_a).post(
        reverse("portal:password_change"),
        {
            "old_password": "wrong",
            "new_password1": "Nansha-harbour-2026",
            "new_password2": "Nansha-harbour-2026",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="form-row form-row--error"' in page
    assert 'value="Nansha-harbour-2026"' not in page  # passwords are never echoed back


@pytest.mark.parametrize("name", ["portal:password_change", "portal:password_change_done"])
def test_password_pages_need_a_login(client, name):
    url = reverse(name)
    assert client.get(url).headers["Location"] == _login_redirect(url)


# --- Dashboard ------------------------------------------------------------------------


def test_dashboard_shows_every_card_with_an_honest_empty_state(client_for, resident_a):
    response = client_for(resident_a).get(DASHBOARD)
    assert response.status_code == 200
    page = response.content.decode()
    assert "您好，张三" in page
    for title in ("我的协议", "近期期限", "本季度评分", "我的预约", "我的诉求", "未读消息"):
        assert title in page
    assert page.count("入驻后可见") == 5
    assert "没有未读消息" in page
    assert "运营后台" not in page  # residents see no staff link


def test_dashboard_lists_the_latest_unread_messages(client_for, resident_a, resident_b):
    mine = NotificationFactory.create_batch(4, recipient=resident_a)
    NotificationFactory(recipient=resident_b, title="别人的消息")
    page = client_for(resident_a).get(DASHBOARD).content.decode()
    assert mine[-1].title in page and mine[1].title in page
    assert mine[0].title not in page  # only the newest three
    assert "别人的消息" not in page
    assert 'data-testid="unread-badge">4' in page


def test_staff_see_the_way_to_the_operations_desk(client_for, intake_staff):
    page = client_for(intake_staff).get(DASHBOARD).content.decode()
    assert reverse("admin:index") in page
    assert "进入运营后台" in page


def test_dashboard_in_english(client_for, resident_a):
    client = client_for(resident_a)
    client.post(reverse("set_language"), {"language": "en", "next": DASHBOARD})
    page = client.get(DASHBOARD).content.decode()
    assert '<html lang="en">' in page
    assert "My agreement" in page and "After check-in" in page
    assert "Nansha International OPC Ecosystem Community" in page


def test_dashboard_needs_a_login(client):
    assert client.get(DASHBOARD).headers["Location"] == _login_redirect(DASHBOARD)


def test_dashboard_refuses_post(client_for, resident_a):
    assert client_for(resident_a).post(DASHBOARD).status_code == 405


def test_dashboard_query_count(client_for, resident_a, django_assert_num_queries):
    NotificationFactory.create_batch(5, recipient=resident_a)
    client = client_for(resident_a)
    # 1 session, 2 user, 3 newest unread notifications (card), 4 the resident record (the
    # residents app's cards), 5 the account's role groups (staff accounts get no "apply" card),
    # 6 the current application (none yet: the "apply" card), 7 unread count (badge and card)
    with django_assert_num_queries(7):
        assert client.get(DASHBOARD).status_code == 200


# --- Inbox ------------------------------------------------------------------------------


def test_inbox_lists_only_own_messages_newest_first(client_for, resident_a, resident_b):
    older = NotificationFactory(recipient=resident_a, title="较早的消息")
    newer = NotificationFactory(recipient=resident_a, title="较新的消息")
    NotificationFactory(recipient=resident_b, title="别人的消息")
    page = client_for(resident_a).get(INBOX).content.decode()
    assert page.index(newer.title) < page.index(older.title)
    assert "别人的消息" not in page
    assert "2 条未读消息" in page
    assert "全部标为已读" in page


def test_inbox_empty_state(client_for, resident_a):
    page = client_for(resident_a).get(INBOX).content.decode()
    assert "暂无消息" in page
    assert "全部标为已读" not in page


def test_inbox_is_paginated(client_for, resident_a):
    NotificationFactory.create_batch(21, recipient=resident_a)
    client = client_for(resident_a)
    first = client.get(INBOX)
    assert len(first.context["page"].object_list) == 20
    assert "第 1 页 / 共 2 页" in first.content.decode()
    assert len(client.get(INBOX, {"page": 2}).context["page"].object_list) == 1
    assert client.get(INBOX, {"page": "nonsense"}).status_code == 200


def test_inbox_needs_a_login(client):
    assert client.get(INBOX).headers["Location"] == _login_redirect(INBOX)


def test_inbox_refuses_post(client_for, resident_a):
    assert client_for(resident_a).post(INBOX).status_code == 405


def test_inbox_query_count(client_for, resident_a, django_assert_num_queries):
    NotificationFactory.create_batch(25, recipient=resident_a)
    client = client_for(resident_a)
    # 1 session, 2 user, 3 COUNT for the paginator, 4 the page of 20 rows, 5 unread count (badge and header)
    with django_assert_num_queries(5):
        assert client.get(INBOX).status_code == 200


# --- One notification -------------------------------------------------------------------


def test_opening_a_notification_marks_it_read(client_for, resident_a):
    notification = NotificationFactory(recipient=resident_a, link="/notices/")
    client = client_for(resident_a)
    response = client.get(reverse("portal:notification", args=[notification.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert notification.title in page
    assert 'href="/notices/"' in page
    assert 'data-testid="unread-badge"' not in page  # the badge already counts it as read
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_another_persons_notification_is_not_found(client_for, resident_a, resident_b):
    notification = NotificationFactory(recipient=resident_a)
    response = client_for(resident_b).get(reverse("portal:notification", args=[notification.pk]))
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_notification_needs_a_login(client, resident_a):
    url = reverse("portal:notification", args=[NotificationFactory(recipient=resident_a).pk])
    assert client.get(url).headers["Location"] == _login_redirect(url)


def test_notification_refuses_post(client_for, resident_a):
    url = reverse("portal:notification", args=[NotificationFactory(recipient=resident_a).pk])
    assert client_for(resident_a).post(url).status_code == 405


def test_notification_query_count(client_for, resident_a, django_assert_num_queries):
    url = reverse("portal:notification", args=[NotificationFactory(recipient=resident_a).pk])
    client = client_for(resident_a)
    # 1 session, 2 user, 3 the notification (scoped to the user), 4 UPDATE read_at, 5 unread count (badge)
    with django_assert_num_queries(5):
        assert client.get(url).status_code == 200


# --- Mark all read ----------------------------------------------------------------------


def test_mark_all_read(client_for, resident_a, resident_b):
    NotificationFactory.create_batch(2, recipient=resident_a)
    NotificationFactory(recipient=resident_b)
    response = client_for(resident_a).post(MARK_ALL, follow=True)
    assert response.redirect_chain[-1][0] == INBOX
    assert "全部消息已标为已读。" in response.content.decode()
    assert not Notification.objects.filter(recipient=resident_a, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=resident_b, read_at__isnull=True).exists()


def test_mark_all_read_is_post_only(client_for, resident_a):
    assert client_for(resident_a).get(MARK_ALL).status_code == 405


def test_mark_all_read_needs_a_login(client):
    assert client.post(MARK_ALL).headers["Location"] == _login_redirect(MARK_ALL)


def test_language_switch_is_a_post_form_on_every_page(client):
    page = client.get(LOGIN).content.decode()
    assert f'action="{reverse("set_language")}"' in page
    assert 'value="en"' in page and "English" in page and "简体中文" in page


def test_an_english_browser_still_reads_chinese_until_english_is_chosen(client):
    page = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in page and "南沙国际 OPC 生态社区" in page
    client.post(reverse("set_language"), {"language": "en", "next": LOGIN})
    page = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert '<html lang="en">' in page
