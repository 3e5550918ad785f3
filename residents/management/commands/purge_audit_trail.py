"""``manage.py purge_audit_trail``: delete the audit trail of residents whose archive retention ended.

Monthly (docs/operations.md "Audit trail retention"). It connects as the owner role
(``MIGRATION_DATABASE_URL``): the event tables are append-only and only the owner may lift that guard.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from opc_community.core.db_roles import connect_as_owner
from residents.services.audit_retention import audit_trail_purge


class Command(BaseCommand):
    help = "Delete the audit events of residents whose archive was kept its 3 years after exit (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        connect_as_owner()
        deleted = audit_trail_purge(today=timezone.localdate(), actor=None)
        for label, count in sorted(deleted.items()):
            self.stdout.write(f"  {label}: {count}")
        self.stdout.write(self.style.SUCCESS(f"{sum(deleted.values())} audit events deleted."))
