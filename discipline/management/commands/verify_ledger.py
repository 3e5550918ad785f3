"""``manage.py verify_ledger``: verify the tamper-evident decision ledger (docs/discipline.md §6).

Checks the hash chain, every published checkpoint (the head on the notice board) and every live decision
against its entry. Prints "OK" and the counts when all hold; otherwise prints every break found and exits
with status 1 (for cron / monitoring). Read-only: the daily job (``discipline.tasks.watch_decision_ledger``)
is what alerts the administrators and publishes new checkpoints.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from discipline.services.ledger import ledger_verify


class Command(BaseCommand):
    help = "Verify the decision ledger (chain, published checkpoints, live decisions); exit 1 on any break."

    def handle(self, *args: Any, **options: Any) -> None:
        result = ledger_verify()
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"OK {result.entries} {result.reason}"))
            return
        for found in result.breaks:
            self.stderr.write(f"BROKEN {found.key}: {found.message}")
        raise CommandError(f"{len(result.breaks)} break(s); first at #{result.first_broken_sequence}: {result.reason}",
                           returncode=1)
