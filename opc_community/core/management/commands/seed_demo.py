"""``manage.py seed_demo``: load the demo community once, then print the demo accounts.

It connects as the owner role (``MIGRATION_DATABASE_URL``, docs/operations.md "Database roles"): the
demo back-dates append-only rows under ``pgtrigger.ignore``, which the application role may not do.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from opc_community.accounts.demo import ACCOUNTS, DEMO_TOTP_SECRET, TWO_FACTOR_DEMO_ACCOUNTS
from opc_community.core.audit import acting_as
from opc_community.core.db_roles import connect_as_owner
from opc_community.core.demo import DEMO_PASSWORD, Demo, seed_all


class Command(BaseCommand):
    help = "Create the demo community (idempotent) and print the demo accounts."

    def handle(self, *args: object, **options: object) -> None:
        connect_as_owner()
        with transaction.atomic(), acting_as(None, command="seed_demo"):
            seed_all(Demo(now=timezone.now()))
        self.stdout.write(self.style.SUCCESS(f"演示账号 / demo accounts (password for all: {DEMO_PASSWORD})"))
        for username, full_name, role, is_staff in ACCOUNTS.values():
            where = "/admin/" if is_staff else "/portal/"
            self.stdout.write(f"  {username:<10} {full_name:<6} {role:<10} {where}")
        self.stdout.write(
            f"两步验证 / two-factor ({', '.join(TWO_FACTOR_DEMO_ACCOUNTS)}): add the secret {DEMO_TOTP_SECRET} "
            "to an authenticator app, or run `python manage.py demo_totp_code`"
        )
