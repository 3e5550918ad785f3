"""``manage.py makemigrations`` as the owner role, like ``migrate``: it reads the migration history
(``django_migrations``), which only the owner may read where the application role has no rights yet."""

from typing import Any

from django.core.management.commands import makemigrations

from opc_community.core.db_roles import connect_as_owner


class Command(makemigrations.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        connect_as_owner()
        super().handle(*args, **options)
