"""Two PostgreSQL roles: the owner of the tables and the application (docs/operations.md, "Database roles").

The owner (``MIGRATION_DATABASE_URL``) runs the migrations, loads the demo data and runs the tests.
The application role (``DATABASE_URL``: web server, worker, beat) is neither superuser nor owner, so
PostgreSQL itself refuses it ``TRUNCATE``, ``ALTER TABLE … DISABLE TRIGGER`` and
``session_replication_role``. What it may do is granted here, by the owner, at the end of every
``migrate``:

- SELECT, INSERT, UPDATE and DELETE on every table and USAGE on every sequence of the schema, and
  the same by default privileges, so that a table a later migration creates is granted at once;
- minus what a table's triggers refuse on every row anyway: a table guarded by an unconditional
  ``pgtrigger.Protect`` against UPDATE or DELETE (the append-only audit trail, the decision ledger
  and its checkpoints, the records the regulation keeps) has that right revoked too;
- and pgtrigger's ``pgtrigger.ignore`` switch, which any session may set, is honoured only for
  members of the database's owner, so the application role cannot switch a guard off either.
"""

import re
from collections.abc import Iterator
from typing import Any

import pgtrigger
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

#: Rights the application role holds on every table unless a trigger refuses them.
TABLE_RIGHTS = ("SELECT", "INSERT", "UPDATE", "DELETE")
_ROLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")

#: Marks the hardened pgtrigger ignore function (the restore test and the role test look for it).
IGNORE_GUARD_MARK = "opc: pgtrigger.ignore is honoured for members of the database owner only"


def connect_as_owner(alias: str = DEFAULT_DB_ALIAS) -> bool:
    """Point the connection ``alias`` at the owner role of ``MIGRATION_DATABASE_URL`` (same database).

    Returns False when no owner is configured (one role does everything). Idempotent; a connection
    already open as another role is closed first, so the next query reconnects as the owner.
    """
    owner = settings.DATABASE_OWNER
    if not owner:
        return False
    connection = connections[alias]
    wanted = {key: owner[key] for key in _CREDENTIALS}
    if any(connection.settings_dict.get(key) != value for key, value in wanted.items()):
        connection.close()
        connection.settings_dict.update(wanted)
    return True


def quote_role(role: str) -> str:
    """The role as an SQL identifier; only plain names are accepted (they come from configuration)."""
    if not _ROLE_NAME.fullmatch(role or ""):
        raise ImproperlyConfigured(f"Database role name {role!r}: use letters, digits and underscores only.")
    return _identifier(role)


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def refused_operations(model: type[Model]) -> frozenset[str]:
    """The operations (UPDATE, DELETE) that a trigger of ``model`` refuses on every row."""
    refused: set[str] = set()
    for trigger in getattr(model._meta, "triggers", ()):
        if isinstance(trigger, pgtrigger.Protect) and trigger.get_condition(model) is None:
            refused |= {part.strip() for part in str(trigger.operation).upper().split(" OR ")}
    return frozenset(refused & {"UPDATE", "DELETE"})


def guarded_tables() -> Iterator[tuple[str, frozenset[str]]]:
    """(table, refused operations) of every model table that refuses some operation on every row."""
    seen = set()
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table in seen:
            continue
        seen.add(meta.db_table)
        refused = refused_operations(model)
        if refused:
            yield meta.db_table, refused


def grant_app_role(cursor: Any, role: str) -> None:
    """Give ``role`` exactly the application's rights on the current database (run as the owner).

    Revoke-then-grant, so running it again converges on the same rights whatever was there before.
    """
    quoted = quote_role(role)
    cursor.execute("SELECT current_database(), current_schema()")
    db, sch = (_identifier(name) for name in cursor.fetchone())
    rights = ", ".join(TABLE_RIGHTS)
    for statement in (
        f"GRANT CONNECT ON DATABASE {db} TO {quoted}",
        f"GRANT USAGE ON SCHEMA {sch} TO {quoted}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {sch} FROM {quoted}",
        f"GRANT {rights} ON ALL TABLES IN SCHEMA {sch} TO {quoted}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {sch} FROM {quoted}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {sch} TO {quoted}",
        # Tables and sequences the owner creates later (the next migration) are granted at once;
        # the next migrate's revocations below then apply to them as well.
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {sch} GRANT {rights} ON TABLES TO {quoted}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {sch} GRANT USAGE, SELECT ON SEQUENCES TO {quoted}",
    ):
        cursor.execute(statement)
    for table, refused in guarded_tables():
        cursor.execute(f"REVOKE {', '.join(sorted(refused))} ON {sch}.{_identifier(table)} FROM {quoted}")


def harden_trigger_ignore(cursor: Any) -> None:
    """Replace pgtrigger's ignore check so that only members of the database owner may skip a trigger.

    pgtrigger compiles every trigger to call ``<schema>._pgtrigger_should_ignore(TG_NAME)``, which
    reads the session setting ``pgtrigger.ignore`` — a setting any role may set. The original is
    re-created by each migration that installs a trigger; this runs after every migrate.
    """
    function = f"{_identifier(pgtrigger.features.schema())}._pgtrigger_should_ignore"
    cursor.execute(f"""
        CREATE OR REPLACE FUNCTION {function}(trigger_name NAME) RETURNS BOOLEAN AS $$
            -- {IGNORE_GUARD_MARK}
            DECLARE
                _pgtrigger_ignore TEXT[];
            BEGIN
                BEGIN
                    SELECT INTO _pgtrigger_ignore CURRENT_SETTING('pgtrigger.ignore');
                    EXCEPTION WHEN OTHERS THEN
                END;
                IF _pgtrigger_ignore IS NULL OR NOT pg_has_role(
                    current_user, (SELECT datdba FROM pg_database WHERE datname = current_database()), 'MEMBER'
                ) THEN
                    RETURN FALSE;
                END IF;
                RETURN trigger_name = ANY(_pgtrigger_ignore);
            END;
        $$ LANGUAGE plpgsql
    """)


def _check_or_create(cursor: Any, role: str, password: str) -> None:
    """The application role must exist and be weaker than the owner; created here when the owner may."""
    cursor.execute(
        "SELECT r.rolsuper OR r.rolbypassrls, pg_has_role(r.oid, current_user, 'MEMBER'),"
        " EXISTS (SELECT 1 FROM pg_class c WHERE c.relowner = r.oid)"
        " FROM pg_roles r WHERE r.rolname = %s",
        [role],
    )
    row = cursor.fetchone()
    if row is None:
        cursor.execute("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            raise ImproperlyConfigured(
                f"The application role {role!r} (DATABASE_URL) does not exist and {settings.DATABASE_OWNER['USER']!r} "
                f"may not create it: as a superuser, CREATE ROLE {role} LOGIN PASSWORD '…' (docs/operations.md)."
            )
        cursor.execute(
            "SELECT format('CREATE ROLE %%I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD %%L', %s, %s)",
            [role, password or None],
        )
        cursor.execute(cursor.fetchone()[0])
        return
    too_strong, member_of_owner, owns_tables = row
    if too_strong or member_of_owner or owns_tables:
        raise ImproperlyConfigured(
            f"The application role {role!r} (DATABASE_URL) must be neither superuser nor BYPASSRLS, nor a member "
            f"of the owner {settings.DATABASE_OWNER['USER']!r}, nor own tables: it would bypass the database's guards."
        )


def after_migrate(sender: Any, using: str = DEFAULT_DB_ALIAS, plan: Any = None, **kwargs: Any) -> None:
    """post_migrate (once per migrate, as the owner): the ignore guard, then the application role's rights.

    ``flush`` (between transactional tests) sends the signal too, without a plan: nothing to do then.
    """
    if plan is None:
        return
    connection = connections[using]
    with connection.cursor() as cursor:
        harden_trigger_ignore(cursor)
        role = settings.DATABASE_APP_ROLE
        if role:
            _check_or_create(cursor, role, settings.DATABASE_APP_PASSWORD)
            grant_app_role(cursor, role)
