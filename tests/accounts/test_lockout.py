"""Throttled logins (django-axes): 5 failures lock an account, 20 lock a client address, for 15 minutes,
on the portal, the admin and the API token endpoint; each failure and lock-out is in the audit trail."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pghistory.models
import pytest
import time_machine
from django.test import RequestFactory
from django.urls import reverse

from opc_community.accounts.lockout import attempted_username, client_ip
from opc_community.accounts.models import SecurityEvent, SecurityEventKind
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("portal:login")
ADMIN_LOGIN = reverse("admin:login")
TOKEN = reverse("api-token")
START = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
LOCKED = "登录失败次数过多"


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def _login(client, username, password="wrong-password", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def _kinds():
    return list(SecurityEvent.objects.order_by("at", "id").values_list("kind", flat=True))


def test_five_wrong_passwords_lock_the_account_for_15_minutes(client, clock, resident_a):
    # Given four wrong passwords: each says so, no lock yet
    for _ in range(4):
        response = _login(client, "resident_a")
        assert response.status_code == 200 and "请输入一个正确的" in response.content.decode()

    # When the fifth is wrong too
    fifth = _login(client, "resident_a")

    # Then the page says the login is locked for 15 minutes (HTTP 429), and the right password is refused
    assert fifth.status_code == 429
    assert LOCKED in fifth.content.decode() and "15 分钟" in fifth.content.decode()
    refused = _login(client, "resident_a", TEST_PASSWORD)
    assert refused.status_code == 429 and LOCKED in refused.content.decode()

    # And 14 minutes later it still is; after 15 minutes the right password logs in
    clock.shift(timedelta(minutes=14))
    assert _login(client, "resident_a", TEST_PASSWORD).status_code == 429
    clock.shift(timedelta(minutes=2))
    assert _login(client, "resident_a", TEST_PASSWORD).headers["Location"] == reverse("portal:dashboard")


def test_the_account_is_locked_from_every_address(client, clock, resident_a):
    for n in range(5):
        _login(client, "resident_a", REMOTE_ADDR=f"10.0.0.{n + 1}")
    assert _login(client, "resident_a", TEST_PASSWORD, REMOTE_ADDR="10.0.0.99").status_code == 429


def test_twenty_failures_lock_the_address_whatever_the_account(client, clock, resident_a):
    # Given 19 failures from one address, each for another name (no account reaches 5)
    for n in range(19):
        assert _login(client, f"guess{n}").status_code == 200

    # When the 20th fails, the address is locked: even a right password for another account is refused
    assert _login(client, "guess19").status_code == 429
    assert _login(client, "resident_a", TEST_PASSWORD).status_code == 429

    # while the same account logs in from another address
    assert _login(client, "resident_a", TEST_PASSWORD, REMOTE_ADDR="10.9.9.9").status_code == 302


def test_behind_a_proxy_the_forwarded_address_is_the_one_locked(client, clock, settings, resident_a):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "172.18.0.1"}
    for n in range(20):
        _login(client, f"guess{n}", HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)

    assert _login(client, "resident_a", TEST_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy).status_code == 429
    # another client behind the same proxy is not affected, and a forged first entry changes nothing
    other = _login(client, "resident_a", TEST_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7, 198.51.100.2", **proxy)
    assert other.status_code == 302


def test_failures_lock_outs_and_refusals_are_in_the_audit_trail(client, clock, resident_a, client_for, administrator):
    for _ in range(5):
        _login(client, "resident_a")
    _login(client, "resident_a", TEST_PASSWORD)

    assert _kinds() == [SecurityEventKind.LOGIN_FAILED] * 4 + [SecurityEventKind.LOCKED_OUT, SecurityEventKind.REFUSED]
    locked = SecurityEvent.objects.get(kind=SecurityEventKind.LOCKED_OUT)
    assert (locked.username, locked.ip_address, locked.path) == ("resident_a", "127.0.0.1", LOGIN)
    (event,) = pghistory.models.Events.objects.tracks(locked)
    assert event.pgh_label == "insert" and event.pgh_data["kind"] == "locked_out"
    trail = client_for(administrator).get("/admin/core/auditevent/", {"model": "accounts.SecurityEvent"})
    page = trail.content.decode()
    assert "多次失败后锁定" in page and "resident_a" in page and "locked_out" not in page


def test_the_admin_login_is_locked_too(client, clock, administrator):
    for _ in range(5):
        response = client.post(ADMIN_LOGIN, {"username": "admin_lead", "password": "wrong"})
    assert response.status_code == 429 and LOCKED in response.content.decode()
    refused = client.post(ADMIN_LOGIN, {"username": "admin_lead", "password": TEST_PASSWORD})
    assert refused.status_code == 429 and "_auth_user_id" not in client.session


def test_the_api_token_endpoint_is_locked_with_a_json_reason(client, clock, resident_a):
    for _ in range(4):
        response = client.post(TOKEN, {"username": "resident_a", "password": "wrong"}, content_type="application/json")
        assert response.status_code == 400 and response.json()["code"] == "invalid_credentials"

    locked = client.post(TOKEN, {"username": "resident_a", "password": "wrong"}, content_type="application/json")
    refused = client.post(TOKEN, {"username": "resident_a", "password": TEST_PASSWORD}, content_type="application/json")

    for response in (locked, refused):
        assert response.status_code == 429
        assert response.json()["code"] == "locked_out" and LOCKED in response.json()["detail"]


def test_a_user_name_postgresql_would_refuse_is_cleaned_before_counting(client, clock):
    # NUL characters and over-long names reach axes' table as PostgreSQL takes them: no error page
    response = client.post(TOKEN, {"username": "a\x00b" + "x" * 400, "password": "p"}, content_type="application/json")
    assert response.status_code == 400
    request = RequestFactory().post(LOGIN, {"username": "a\x00b" + "x" * 400})
    assert attempted_username(request) == ("ab" + "x" * 400)[:150]
    assert attempted_username(request, {"username": "lead", "password": "x"}) == "lead"


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "192.0.2.1", "", "192.0.2.1"),
        (0, "192.0.2.1", "203.0.113.7", "192.0.2.1"),  # no trusted proxy: the header is the client's word
        (1, "172.18.0.1", "203.0.113.7", "203.0.113.7"),
        (1, "172.18.0.1", "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # entries before the proxy's are ignored
        (2, "172.18.0.1", "6.6.6.6, 203.0.113.7, 10.0.0.5", "203.0.113.7"),
        (1, "172.18.0.1", "", "172.18.0.1"),  # not through the proxy
        (1, "172.18.0.1", "not-an-address", None),
        (0, "2001:db8::1", "", "2001:db8::1"),
    ],
)
def test_the_client_address(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **extra)) == expected


def test_a_successful_login_is_not_a_security_event(client, clock):
    UserFactory(username="wang")
    assert _login(client, "wang", TEST_PASSWORD).status_code == 302
    assert _kinds() == []


def test_staff_read_the_security_events_in_the_admin(client, clock, client_for, oversight):
    for _ in range(5):
        _login(client, "somebody")
    staff = client_for(oversight)
    page = staff.get("/admin/accounts/securityevent/")
    assert page.status_code == 200 and "somebody" in page.content.decode() and "多次失败后锁定" in page.content.decode()
    assert staff.get("/admin/accounts/securityevent/add/").status_code == 403
