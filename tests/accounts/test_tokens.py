"""API tokens: issued for a password (and the two-factor code of staff who have an authenticator),
valid 30 days, revoked by any password change; an expired token gets 401 with the reason in Chinese."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests.factories import TEST_PASSWORD
from tests.logins import authenticator, current_code

pytestmark = pytest.mark.django_db

TOKEN = reverse("api-token")
NOTIFICATIONS = "/api/v1/notifications/"
START = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
NEW_PASSWORD = "Nansha-harbour-2026"


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def _token(client, username, password=TEST_PASSWORD, **extra):
    return client.post(TOKEN, {"username": username, "password": password, **extra}, content_type="application/json")


def _api(key):
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


def test_a_token_is_issued_and_works_for_30_days(client, clock, resident_a):
    response = _token(client, "resident_a")
    assert response.status_code == 200
    key = response.json()["token"]
    assert response.json()["expires_at"].startswith("2026-12-30T")
    assert _api(key).get(NOTIFICATIONS).status_code == 200

    clock.shift(timedelta(days=29, hours=23))
    assert _api(key).get(NOTIFICATIONS).status_code == 200
    assert _token(client, "resident_a").json()["token"] == key  # still the same token

    clock.shift(timedelta(hours=2))
    expired = _api(key).get(NOTIFICATIONS)
    assert expired.status_code == 401
    assert expired.json()["detail"].startswith("API 令牌已过期") and expired.headers["WWW-Authenticate"] == "Token"

    renewed = _token(client, "resident_a").json()["token"]
    assert renewed != key and _api(renewed).get(NOTIFICATIONS).status_code == 200


def test_wrong_credentials_are_refused_in_chinese(client, resident_a):
    response = _token(client, "resident_a", "wrong")
    assert response.status_code == 400 and response.json()["detail"] == "用户名或密码错误。"
    assert _token(client, "", "").status_code == 400


def _change_in_the_portal(user):
    client = Client()
    client.force_login(user)
    client.post(reverse("portal:password_change"), {
        "old_password": TEST_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
    })


def _change_in_the_admin(user, client_for, administrator):
    client_for(administrator).post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )


def _change_by_code(user):
    user.set_password(NEW_PASSWORD)
    user.save()


@pytest.mark.parametrize("path", ["portal", "admin", "set_password"])
def test_a_password_change_revokes_the_token(client, resident_a, client_for, administrator, path):
    key = _token(client, "resident_a").json()["token"]

    {"portal": lambda: _change_in_the_portal(resident_a),
     "admin": lambda: _change_in_the_admin(resident_a, client_for, administrator),
     "set_password": lambda: _change_by_code(resident_a)}[path]()

    resident_a.refresh_from_db()
    assert resident_a.check_password(NEW_PASSWORD)
    assert not Token.objects.filter(key=key).exists()
    assert _api(key).get(NOTIFICATIONS).status_code in (401, 403)


def test_saving_a_user_without_a_new_password_keeps_the_token(client, resident_a):
    key = _token(client, "resident_a").json()["token"]
    resident_a.full_name = "张三丰"
    resident_a.save()
    assert _api(key).get(NOTIFICATIONS).status_code == 200


def test_staff_with_an_authenticator_give_its_code(client, intake_staff):
    device = authenticator(intake_staff)
    missing = _token(client, "intake")
    assert missing.status_code == 400 and missing.json()["field"] == "otp_token"
    wrong = _token(client, "intake", otp_token="000000")
    assert wrong.status_code == 400 and wrong.json()["field"] == "otp_token"
    assert _token(client, "intake", otp_token=current_code(device)).status_code == 200


@pytest.mark.parametrize("role", ["administrator", "oversight"])
def test_the_administrator_and_oversight_need_an_authenticator_for_a_token(request, client, role):
    user = request.getfixturevalue(role)
    refused = _token(client, user.username)
    assert refused.status_code == 403 and refused.json()["code"] == "two_factor_required"
    assert not Token.objects.filter(user=user).exists()
