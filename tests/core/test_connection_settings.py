"""The application's database connections run without PostgreSQL's JIT compiler (settings.DATABASES)."""

from django.db import connection


def test_the_jit_compiler_is_off_for_the_applications_connections(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
