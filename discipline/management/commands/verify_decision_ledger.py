"""``manage.py verify_decision_ledger``: walk the tamper-evident decision ledger
(discipline.services.ledger).

Prints "OK" and the number of entries when every link holds; otherwise prints the first broken entry
and why, and exits with status 1 (for cron / monitoring).
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from discipline.services.ledger import ledger_verify


class Command(BaseCommand):
    help = "Verify the hash chain of the decision ledger; exit 1 at the first broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        result = ledger_verify()
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"OK {result.entries} {result.reason}"))
            return
        raise CommandError(f"BROKEN at #{result.first_broken_sequence}: {result.reason}", returncode=1)
