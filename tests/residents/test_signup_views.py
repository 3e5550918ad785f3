"""Sign-up (第三章第二条) without giving anything away: every accepted form gets the same answer, the
emailed link activates the account, registered phone numbers and email addresses are told by email,
and sign-ups are limited per client address."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = reverse("residents:signup")
SENT = reverse("residents:signup_sent")
EDIT = reverse("residents:application_edit")
PAGE = reverse("residents:application")
User = get_user_model()


def _data(**overrides):
    return {
        "username": "wangwu", "full_name": "王五", "phone": "13900139000", "email": "wangwu@example.com",
        "password1": "Nansha-OPC-2026!", "password2": "Nansha-OPC-2026!", **overrides,
    }


def _sign_up(client, capture, **overrides):
    with capture(execute=True):
        return client.post(SIGNUP, _data(**overrides))


def _link(message) -> str:
    return re.search(r"https?://\S+/signup/activate/\S+/", message.body).group(0)


@pytest.fixture
def registered(db):
    """An active account holding the phone 13800000001 and the email taken@example.com."""
    return UserFactory(username="zhaoliu", full_name="赵六", phone="13800000001", email="taken@example.com")


def test_the_sign_up_page_is_public(client):
    response = client.get(SIGNUP)
    assert response.status_code == 200
    assert "注册账号，申请入驻" in response.content.decode()


def test_signing_up_sends_an_activation_link_and_activating_logs_in(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    # When a person signs up
    response = _sign_up(client, django_capture_on_commit_callbacks)

    # Then they are asked to check their mailbox, and the account waits for its activation
    assert response.status_code == 302 and response.headers["Location"] == SENT
    assert "请查收邮件" in client.get(SENT).content.decode()
    user = User.objects.get(username="wangwu")
    assert (user.full_name, user.phone, user.is_active) == ("王五", "13900139000", False)
    assert client.get(EDIT).status_code == 302  # not logged in yet
    (mail,) = mailoutbox
    assert mail.to == ["wangwu@example.com"] and "激活" in mail.subject

    # When they open the link (a page with a button: mail scanners only GET) and press it
    link = _link(mail)
    assert "激活并继续" in client.get(link).content.decode()
    assert User.objects.get(pk=user.pk).is_active is False
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link)

    # Then the account is active, logged in, and the application form is prefilled
    assert response.headers["Location"] == EDIT
    form = client.get(EDIT).content.decode()
    assert 'value="王五"' in form and 'value="13900139000"' in form
    # and the link is spent
    client.post(reverse("portal:logout"))
    assert "不再有效" in client.get(link).content.decode()
    assert client.post(link).headers["Location"] == reverse("portal:login")


def test_a_forged_link_activates_nothing(client, django_capture_on_commit_callbacks, mailoutbox):
    _sign_up(client, django_capture_on_commit_callbacks)
    forged = re.sub(r"/[^/]+/$", "/abc-123/", _link(mailoutbox[0]))
    assert client.post(forged).headers["Location"] == reverse("portal:login")
    assert User.objects.get(username="wangwu").is_active is False


@pytest.mark.parametrize(
    "overrides",
    [
        {},  # nobody has the phone or the email
        {"email": "Taken@Example.com"},  # the email has an account (any case)
        {"phone": "13800000001"},  # the phone has an account
        {"email": "taken@example.com", "phone": "13800000001"},  # both
    ],
    ids=["new", "email-registered", "phone-registered", "both-registered"],
)
def test_the_answer_is_the_same_whether_the_phone_or_email_is_registered(
    client, django_capture_on_commit_callbacks, registered, overrides
):
    response = _sign_up(client, django_capture_on_commit_callbacks, **overrides)

    assert response.status_code == 302 and response.headers["Location"] == SENT
    assert sorted(response.cookies) == []  # no session, no marker that differs
    baseline = client.get(SENT)
    assert baseline.status_code == 200 and "请查收邮件" in baseline.content.decode()


def test_a_registered_email_is_told_and_nothing_is_created(
    client, django_capture_on_commit_callbacks, mailoutbox, registered
):
    _sign_up(client, django_capture_on_commit_callbacks, email="TAKEN@example.com")

    assert not User.objects.filter(username="wangwu").exists()
    (mail,) = mailoutbox
    assert mail.to == ["taken@example.com"]
    assert "zhaoliu" in mail.body and reverse("portal:login") in mail.body
    assert "/signup/activate/" not in mail.body


def test_an_unactivated_account_gets_a_fresh_link_when_its_email_signs_up_again(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    _sign_up(client, django_capture_on_commit_callbacks)
    _sign_up(client, django_capture_on_commit_callbacks, username="wangwu2")

    assert User.objects.filter(email="wangwu@example.com").count() == 1
    first, second = mailoutbox
    assert second.to == ["wangwu@example.com"] and "wangwu" in second.body
    assert client.post(_link(second)).headers["Location"] == EDIT


def test_a_registered_phone_signs_up_and_its_holder_is_told_on_activation(
    client, django_capture_on_commit_callbacks, mailoutbox, registered
):
    _sign_up(client, django_capture_on_commit_callbacks, phone="13800000001")
    (activation,) = mailoutbox
    assert activation.to == ["wangwu@example.com"]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(_link(activation))

    notice = mailoutbox[-1]
    assert notice.to == ["taken@example.com"] and "手机号" in notice.body
    assert "wangwu" not in notice.body  # the new account stays private


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password1": "123", "password2": "123"}, "password2", "密码"),
        ({"password2": "different-Pass-2026"}, "password2", "不一致"),
        ({"phone": "12345"}, "phone", "11 位"),
        ({"username": "zhaoliu"}, "username", "已存在"),
        ({"username": "13912345678"}, "username", "不能使用手机号"),
        ({"username": "wang@example.com"}, "username", "不能使用手机号"),
        ({"full_name": ""}, "full_name", "必填"),
    ],
)
def test_sign_up_errors_are_shown_next_to_the_field(client, registered, overrides, field, message):
    response = client.post(SIGNUP, _data(**overrides))

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert 'value="wangwu@example.com"' in response.content.decode()  # nothing lost
    assert not User.objects.filter(username="wangwu").exists()


def test_sign_ups_are_limited_per_client_address(client, settings, django_capture_on_commit_callbacks):
    settings.SIGNUP_RATE_LIMIT = 2
    for n in range(2):
        assert _sign_up(client, django_capture_on_commit_callbacks, username=f"user{n}",
                        email=f"u{n}@example.com").status_code == 302

    refused = _sign_up(client, django_capture_on_commit_callbacks, username="user9", email="u9@example.com")

    assert refused.status_code == 429
    page = refused.content.decode()
    assert "注册提交过于频繁" in page and "60 分钟" in page
    assert 'value="u9@example.com"' in page  # what was typed comes back
    assert not User.objects.filter(username="user9").exists()
    # another address is not affected
    other = client.post(SIGNUP, _data(username="user8", email="u8@example.com"), REMOTE_ADDR="10.0.0.8")
    assert other.status_code == 302


def test_a_logged_in_user_skips_sign_up(client_for, outsider):
    assert client_for(outsider).get(SIGNUP).headers["Location"] == PAGE


@pytest.mark.parametrize("url", [SIGNUP, SENT])
def test_sign_up_pages_answer_only_their_methods(client, url):
    assert client.put(url).status_code == 405


def test_the_activation_page_answers_only_get_and_post(client):
    assert client.put(reverse("residents:signup_activate", args=["MQ", "abc-123"])).status_code == 405


def test_an_account_switched_off_by_staff_is_not_reactivated_by_signing_up(
    client, django_capture_on_commit_callbacks, mailoutbox, registered
):
    # an account that was used, then switched off in the admin
    User.objects.filter(pk=registered.pk).update(is_active=False, last_login=timezone.now())

    _sign_up(client, django_capture_on_commit_callbacks, email="taken@example.com")

    (mail,) = mailoutbox
    assert "/signup/activate/" not in mail.body
