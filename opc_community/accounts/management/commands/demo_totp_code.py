"""``manage.py demo_totp_code [user name]``: the current two-factor code of a demo account.

Works only for authenticators holding the published demo secret (accounts.demo.DEMO_TOTP_KEY),
so it gives nothing away on a real site; anyone may instead add that secret to an authenticator app.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from opc_community.accounts.demo import DEMO_TOTP_KEY, TWO_FACTOR_DEMO_ACCOUNTS


class Command(BaseCommand):
    help = "Print the current two-factor code of the demo accounts (lead, oversight)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("usernames", nargs="*", default=list(TWO_FACTOR_DEMO_ACCOUNTS))

    def handle(self, *args: object, usernames: list[str], **options: object) -> None:
        for username in usernames:
            device = TOTPDevice.objects.filter(user__username=username, confirmed=True, key=DEMO_TOTP_KEY).first()
            if device is None:
                raise CommandError(f"{username!r} has no authenticator with the demo secret.")
            code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
            self.stdout.write(f"{username}: {code:0{device.digits}d}")
