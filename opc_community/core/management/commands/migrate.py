"""``manage.py migrate`` as the owner role: Django's command, connected through ``MIGRATION_DATABASE_URL``.

The application role (``DATABASE_URL``) may not change the schema; so ``migrate`` run anywhere — by
``make run``, the ``migrate`` service of docker compose, an operator — connects as the owner, and
its post_migrate step grants the application role its rights (opc_community.core.db_roles).
"""

from typing import Any

from django.core.management.commands import migrate

from opc_community.core.db_roles import connect_as_owner


class Command(migrate.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        connect_as_owner(options["database"])
        super().handle(*args, **options)
