"""The application role in the tests (no tests here): docs/operations.md, "Database roles".

The tests run as the owner (tests/conftest.py). Where it matters they connect as the application role:
the configured one (DATABASE_URL's role when MIGRATION_DATABASE_URL is set, as under ``make test``; its
rights were granted when pytest migrated the test database), or else — one role for everything, as on
a shared development server — a throwaway role created for the session, granted by the same code
(``db_roles.grant_app_role``) and dropped at the end.
"""

import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from opc_community.core.db_roles import grant_app_role, quote_role


@dataclass(frozen=True)
class AppRole:
    name: str
    password: str

    def connect(self, dbname: str | None = None) -> psycopg.Connection:
        """A psycopg connection (autocommit) as this role, to the test database or ``dbname`` on its server."""
        owner = connection.settings_dict
        return psycopg.connect(
            host=owner["HOST"] or "127.0.0.1", port=owner["PORT"] or 5432, user=self.name,
            password=self.password or None, dbname=dbname or owner["NAME"], connect_timeout=10, autocommit=True,
        )


@pytest.fixture(scope="session")
def app_role(django_db_setup, django_db_blocker) -> Iterator[AppRole]:
    if settings.DATABASE_APP_ROLE:
        yield AppRole(settings.DATABASE_APP_ROLE, settings.DATABASE_APP_PASSWORD)
        return
    role = AppRole(f"opc_test_app_{uuid.uuid4().hex[:10]}", secrets.token_hex(16))
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT format('CREATE ROLE %%I LOGIN PASSWORD %%L', %s, %s)", [role.name, role.password])
        cursor.execute(cursor.fetchone()[0])
        grant_app_role(cursor, role.name)
    try:
        yield role
    finally:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {quote_role(role.name)}")
            cursor.execute(f"DROP ROLE {quote_role(role.name)}")


@contextmanager
def django_connected_as(role: AppRole) -> Iterator[None]:
    """Django's own connection as ``role`` for the block (committed data only: ``transactional_db``)."""
    saved = {key: connection.settings_dict[key] for key in ("USER", "PASSWORD")}
    connection.close()
    connection.settings_dict.update(USER=role.name, PASSWORD=role.password)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)
