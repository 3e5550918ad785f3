"""Logging test clients in as people do: with the second factor when their login needs one.

``login(client, user)`` is ``client.force_login(user)`` plus, for the administrator and oversight
roles (or anyone with an authenticator), an enrolled authenticator and a session verified by it
through the same code as the two-factor page: the check stays on, the test starts past it.
"""

from django.http import HttpRequest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from opc_community.accounts import two_factor

#: The secret of test authenticators (RFC 6238's test key, hex).
TEST_TOTP_KEY = "3132333435363738393031323334353637383930"


def authenticator(user, *, key: str = TEST_TOTP_KEY) -> TOTPDevice:
    """The person's enrolled authenticator (made on first use)."""
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, confirmed=True, defaults={"key": key, "name": "test"}
    )
    return device


def current_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the authenticator shows now (or ``steps_ahead`` 30-second steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time += steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def login(client: Client, user) -> Client:
    client.force_login(user)
    session = client.session
    if session.get(two_factor.STEP_KEY):
        request = HttpRequest()
        request.session, request.user = session, user
        two_factor.mark_verified(request, authenticator(user))
        session.save()
    return client
