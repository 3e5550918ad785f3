"""``manage.py two_factor_reset <user name>``: a lost phone — remove the person's authenticators.

Their sessions end too; their next login asks them to enrol a new authenticator (required for the
administrator and oversight roles, optional for other staff). Recorded in the audit trail.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opc_community.accounts.models import User
from opc_community.accounts.services import two_factor_reset
from opc_community.core.audit import acting_as


class Command(BaseCommand):
    help = "Remove a user's two-factor authenticators (lost phone) and log them out everywhere."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: object, username: str, **options: object) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        with acting_as(None, command="two_factor_reset"):
            removed = two_factor_reset(user=user)
        self.stdout.write(self.style.SUCCESS(
            f"{username}: {removed} authenticator(s) removed, sessions ended; the next login asks to enrol again."
        ))
