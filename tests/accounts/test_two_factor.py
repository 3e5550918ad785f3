"""Two-factor authentication of staff (TOTP): required for the administrator and oversight roles
(sent to enrolment, no admin or API until then), optional for other staff, asked after the password
on every login once enrolled; wrong codes count towards the lock-out; a lost phone is reset."""

import re
from base64 import b32decode
from io import StringIO

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from opc_community.accounts import demo
from opc_community.accounts.demo import DEMO_TOTP_KEY
from opc_community.accounts.models import SecurityEvent, SecurityEventKind
from opc_community.core.demo import Demo
from tests.factories import TEST_PASSWORD
from tests.logins import authenticator, current_code

pytestmark = pytest.mark.django_db

ENROL = reverse("portal:two_factor_enrol")
VERIFY = reverse("portal:two_factor_verify")
ADMIN = reverse("admin:index")
RULEBOOK = "/admin/rulebook/rulebookversion/"


def _password_only(user) -> Client:
    """A session after the password, before any second factor (what every login starts with)."""
    client = Client()
    client.force_login(user)
    return client


def _secret_code(page: str) -> str:
    """The code an authenticator app makes from the secret the enrolment page shows."""
    secret = re.search(r'data-testid="two-factor-secret"><code>([A-Z2-7 ]+)</code>', page).group(1)
    return f"{TOTP(b32decode(secret.replace(' ', ''))).token():06d}"


@pytest.mark.parametrize("role", ["administrator", "oversight"])
def test_the_administrator_and_oversight_are_sent_to_enrolment(request, role):
    client = _password_only(request.getfixturevalue(role))

    response = client.get(RULEBOOK)
    assert response.status_code == 302
    assert response.headers["Location"] == f"{ENROL}?next=%2Fadmin%2Frulebook%2Frulebookversion%2F"
    # no page of the admin or the portal, and no API, before the second factor
    assert client.get(ADMIN).headers["Location"].startswith(ENROL)
    assert client.get(reverse("portal:dashboard")).headers["Location"].startswith(ENROL)
    api = client.get("/api/v1/notifications/")
    assert api.status_code == 403 and api.json()["code"] == "two_factor_required" and "两步验证" in api.json()["detail"]


def test_enrolment_shows_a_qr_code_and_the_secret_and_a_right_code_lets_in(administrator):
    client = _password_only(administrator)
    page = client.get(f"{ENROL}?next={RULEBOOK}").content.decode()
    assert "<svg" in page and 'data-testid="two-factor-qr"' in page
    assert "验证器" in page

    # A wrong code is refused, and nothing is enrolled
    wrong = client.post(ENROL, {"code": "000000", "next": RULEBOOK})
    assert wrong.status_code == 200 and "验证码错误或已过期" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=administrator).exists()

    # The code of the shown secret enrols the authenticator and opens the admin
    response = client.post(ENROL, {"code": _secret_code(page), "next": RULEBOOK})
    assert response.headers["Location"] == RULEBOOK
    assert TOTPDevice.objects.get(user=administrator).confirmed
    assert client.get(RULEBOOK).status_code == 200
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.TWO_FACTOR_ENROLLED, username="admin_lead").exists()
    # the page now only says it is on
    assert "已启用" in client.get(ENROL).content.decode()


def test_the_secret_survives_a_reload_until_enrolled(administrator):
    client = _password_only(administrator)
    assert _secret_code(client.get(ENROL).content.decode()) == _secret_code(client.get(ENROL).content.decode())


def test_with_an_authenticator_the_login_asks_for_its_code(client, administrator):
    device = authenticator(administrator)

    # When the administrator logs in to the admin with the password
    response = client.post(reverse("admin:login"), {"username": "admin_lead", "password": TEST_PASSWORD, "next": RULEBOOK})
    assert response.headers["Location"] == RULEBOOK
    # Then the admin asks for the code
    assert client.get(RULEBOOK).headers["Location"] == f"{VERIFY}?next=%2Fadmin%2Frulebook%2Frulebookversion%2F"

    # A wrong code is refused (and counted as a failed login)
    wrong = client.post(VERIFY, {"code": "123456", "next": RULEBOOK})
    assert wrong.status_code == 200 and "验证码错误或已过期" in wrong.content.decode()
    assert client.get(RULEBOOK).status_code == 302
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.CODE_FAILED, username="admin_lead").count() == 1

    # The right code lets in
    assert client.post(VERIFY, {"code": current_code(device), "next": RULEBOOK}).headers["Location"] == RULEBOOK
    assert client.get(RULEBOOK).status_code == 200


def test_a_used_code_cannot_be_used_again(administrator):
    device = authenticator(administrator)
    code = current_code(device)
    first, second = _password_only(administrator), _password_only(administrator)
    assert first.post(VERIFY, {"code": code}).status_code == 302
    assert second.post(VERIFY, {"code": code}).status_code == 200  # refused: replay


def test_five_wrong_codes_lock_the_account(administrator):
    device = authenticator(administrator)
    client = _password_only(administrator)
    for _ in range(4):
        assert client.post(VERIFY, {"code": "000000"}).status_code == 200

    locked = client.post(VERIFY, {"code": "000000"})
    assert locked.status_code == 429 and "登录失败次数过多" in locked.content.decode()
    refused = client.post(VERIFY, {"code": current_code(device)})
    assert refused.status_code == 429
    assert client.get(RULEBOOK).status_code == 302
    kinds = list(SecurityEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["code_failed"] * 4 + ["locked_out", "refused"]


def test_other_staff_need_no_second_factor_but_may_enrol(intake_staff):
    client = _password_only(intake_staff)
    assert client.get("/admin/residents/application/").status_code == 200

    page = client.get(ENROL).content.decode()
    assert client.post(ENROL, {"code": _secret_code(page)}).status_code == 302

    # from then on, their login asks for the code too
    again = _password_only(intake_staff)
    assert again.get("/admin/residents/application/").headers["Location"].startswith(VERIFY)


def test_residents_cannot_enrol(client_for, resident_a):
    assert client_for(resident_a).get(ENROL).status_code == 403


def test_the_code_page_lets_a_session_without_outstanding_factor_go_on(client_for, daily_staff):
    assert client_for(daily_staff).get(f"{VERIFY}?next=/admin/").headers["Location"] == "/admin/"


def test_a_foreign_next_is_not_followed(administrator):
    device = authenticator(administrator)
    client = _password_only(administrator)
    response = client.post(VERIFY, {"code": current_code(device), "next": "https://evil.example/"})
    assert response.headers["Location"] == ADMIN


def test_logging_out_stays_possible_before_the_second_factor(administrator):
    client = _password_only(administrator)
    assert client.post(reverse("portal:logout")).headers["Location"] == reverse("portal:login")
    assert SESSION_KEY not in client.session


def test_the_test_helper_gives_a_verified_session(client_for, administrator, oversight):
    # client_for goes through the real second factor (tests.logins.login), it does not switch it off
    assert client_for(administrator).get(RULEBOOK).status_code == 200
    assert client_for(oversight).get(RULEBOOK).status_code == 200
    assert TOTPDevice.objects.filter(user__in=[administrator, oversight], confirmed=True).count() == 2


def test_resetting_a_lost_phone_removes_the_authenticator_and_ends_the_sessions(client_for, administrator):
    client = client_for(administrator)
    assert client.get(RULEBOOK).status_code == 200
    out = StringIO()

    call_command("two_factor_reset", "admin_lead", stdout=out)

    assert "1" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=administrator).exists()
    assert client.get(RULEBOOK).headers["Location"].startswith(reverse("admin:login"))  # logged out
    assert _password_only(administrator).get(RULEBOOK).headers["Location"].startswith(ENROL)
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.TWO_FACTOR_RESET, username="admin_lead").exists()


def test_the_demo_accounts_have_the_published_demo_secret():
    out = StringIO()
    demo.seed(Demo(now=timezone.now()))
    call_command("demo_totp_code", stdout=out)
    device = TOTPDevice.objects.get(user__username="lead")
    assert device.key == DEMO_TOTP_KEY
    assert f"lead: {current_code(device)}" in out.getvalue()


@pytest.mark.parametrize("url", [ENROL, VERIFY])
def test_the_two_factor_pages_answer_only_get_and_post(client_for, intake_staff, url):
    assert client_for(intake_staff).put(url).status_code == 405


@pytest.mark.parametrize("url", [ENROL, VERIFY])
def test_the_two_factor_pages_need_a_login(client, url):
    assert client.get(url).headers["Location"].startswith(reverse("portal:login"))
