"""The restore procedure of docs/operations.md ("Restore"), end to end and within a minute: the test
database dumped with ``pg_dump --format=custom``, restored with ``pg_restore`` into a new empty database,
which then has every trigger, constraint (the bookings' exclusion constraint among them), the ledger
checkpoint's guard and the application role's rights — and which the application, connected as that
role, reads and verifies. The restored database is dropped afterwards.
"""

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from psycopg import errors, sql

from discipline.models import LedgerCheckpoint
from discipline.services.ledger import ledger_watch
from opc_community.core.db_roles import IGNORE_GUARD_MARK
from tests.concurrency import committed_data, restore_snapshot_without_triggers  # noqa: F401  (fixture)
from tests.discipline.support.cases import TODAY, confirmed_case, on_day
from tests.faults.database_roles import app_role  # noqa: F401  (fixture)
from tests.residents.conftest import member_a  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2]
BUDGET_SECONDS = 60

#: What a restore must bring back, read the same way from both databases.
CATALOGUE = {
    "triggers": "SELECT c.relname, t.tgname, obj_description(t.oid, 'pg_trigger') FROM pg_trigger t"
                " JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal ORDER BY 1, 2",
    # An expression is re-parsed on restore (ANY ((ARRAY[…])::text[]) reads back as ANY (ARRAY[…::text])):
    # a CHECK is compared by name, an exclusion constraint without its WHERE.
    "constraints": "SELECT conrelid::regclass::text, conname, contype, CASE WHEN contype = 'c' THEN ''"
                   " ELSE split_part(pg_get_constraintdef(oid), ' WHERE ', 1) END FROM pg_constraint"
                   " WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2",
    "rights": "SELECT relname, relacl::text FROM pg_class WHERE relnamespace = 'public'::regnamespace"
              " AND relkind IN ('r', 'p', 'v', 'S') ORDER BY 1",
    "default rights": "SELECT defaclobjtype, defaclacl::text FROM pg_default_acl ORDER BY 1, 2",
    "functions": "SELECT proname, md5(prosrc) FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY 1, 2",
}


def _tool(name: str, server_version: int) -> str:
    """pg_dump / pg_restore of the server's major version when installed side by side (Debian), else PATH's."""
    versioned = Path(f"/usr/lib/postgresql/{server_version // 10000}/bin/{name}")
    return str(versioned) if versioned.exists() else shutil.which(name) or name


def _owner() -> dict:
    db = connection.settings_dict
    return {"host": db["HOST"] or "127.0.0.1", "port": str(db["PORT"] or 5432), "user": db["USER"],
            "password": db["PASSWORD"] or ""}


def _run(*command: str) -> None:
    owner = _owner()
    env = {**os.environ, "PGPASSWORD": owner["password"]}
    result = subprocess.run([*command, "-h", owner["host"], "-p", owner["port"], "-U", owner["user"]],
                            env=env, capture_output=True, text=True, timeout=BUDGET_SECONDS)
    assert result.returncode == 0, result.stderr


def _catalogue(dbname: str) -> dict[str, list]:
    owner = _owner()
    with psycopg.connect(dbname=dbname, host=owner["host"], port=owner["port"], user=owner["user"],
                         password=owner["password"] or None) as db:
        return {name: db.execute(query).fetchall() for name, query in CATALOGUE.items()}


@committed_data
def test_a_dump_restores_into_an_empty_database_that_the_application_serves(
    app_role, member_a, daily_staff, administrator, tmp_path  # noqa: F811
):
    with on_day(TODAY):
        confirmed_case(member_a, daily_staff, administrator)
    assert ledger_watch()["ok"] and LedgerCheckpoint.objects.count() == 1
    source = connection.settings_dict["NAME"]
    restored = f"restore_{uuid.uuid4().hex[:12]}"
    dump = tmp_path / "backup.dump"
    owner = _owner()
    server = connection.pg_version
    started = time.monotonic()

    with psycopg.connect(dbname="postgres", host=owner["host"], port=owner["port"], user=owner["user"],
                         password=owner["password"] or None, autocommit=True) as admin:
        try:
            _run(_tool("pg_dump", server), "--format=custom", f"--file={dump}", f"--dbname={source}")
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(restored)))
            _run(_tool("pg_restore", server), "--exit-on-error", f"--dbname={restored}", str(dump))

            found, original = _catalogue(restored), _catalogue(source)
            for part, rows in original.items():
                assert found[part] == rows, (part, set(rows) ^ set(found[part]))
            assert any(name.startswith("pgtrigger_keep_cases_") for _table, name, _hash in found["triggers"])
            assert [row for row in found["constraints"] if row[0] == "spaces_booking" and row[2] == "x"]
            _check_restored(restored, app_role)
            _check_application(restored, app_role, member_a.pk)
            assert time.monotonic() - started < BUDGET_SECONDS
        finally:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(restored)))


def _check_restored(dbname: str, role) -> None:
    """The checkpoint guard refuses the owner's edit; the application role may only insert and read it."""
    owner = _owner()
    with psycopg.connect(dbname=dbname, host=owner["host"], port=owner["port"], user=owner["user"],
                         password=owner["password"] or None, autocommit=True) as db:
        with pytest.raises(errors.RaiseException):
            db.execute("UPDATE discipline_ledgercheckpoint SET entry_hash = repeat('0', 64)")
        rights = db.execute(
            "SELECT has_table_privilege(%(role)s, 'discipline_ledgercheckpoint', 'INSERT'),"
            " has_table_privilege(%(role)s, 'discipline_ledgercheckpoint', 'UPDATE'),"
            " has_table_privilege(%(role)s, 'discipline_ledgercheckpoint', 'DELETE'),"
            " has_table_privilege(%(role)s, 'residents_resident', 'UPDATE')", {"role": role.name}).fetchone()
        assert rights == (True, False, False, True)
        source = db.execute("SELECT prosrc FROM pg_proc WHERE proname = '_pgtrigger_should_ignore'").fetchone()[0]
        assert IGNORE_GUARD_MARK in source


def _check_application(dbname: str, role, resident_id: int) -> None:
    """Django as the application role on the restored database: no migration missing, the resident read,
    the ledger verified against its published checkpoint."""
    owner = _owner()
    url = f"postgres://{role.name}:{role.password}@{owner['host']}:{owner['port']}/{dbname}"
    env = {key: value for key, value in os.environ.items() if key not in ("MIGRATION_DATABASE_URL",)}
    env |= {"DATABASE_URL": url, "DEBUG": "1"}
    migrate = subprocess.run([sys.executable, "manage.py", "migrate", "--check"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=BUDGET_SECONDS)
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    script = (
        "import django, json; django.setup()\n"
        "from residents.models import Resident\n"
        "from discipline.services.ledger import ledger_verify\n"
        f"resident = Resident.objects.get(pk={resident_id})\n"
        "result = ledger_verify()\n"
        "print(json.dumps({'name': resident.name, 'ok': result.ok, 'checkpoints': result.checkpoints}))\n"
    )
    read = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE":
                          "opc_community.settings"}, capture_output=True, text=True, timeout=BUDGET_SECONDS)
    assert read.returncode == 0, read.stderr
    assert json.loads(read.stdout.strip().splitlines()[-1]) == {"name": "张三", "ok": True, "checkpoints": 1}
