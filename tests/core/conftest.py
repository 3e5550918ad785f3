"""Fixtures of the core tests: PostgreSQL made unreachable for one test."""

import pytest
from django.db import connections

from tests.core.outage import closed_port
from tests.residents.conftest import member_a, member_b  # noqa: F401  (fixtures re-exported: the work desk tests)


@pytest.fixture
def database_down(django_db_blocker):
    """The default connection points at a closed port for the test (the shared server keeps running):
    every query raises ``OperationalError`` as it would while PostgreSQL is down."""
    connection = connections["default"]
    saved = dict(connection.settings_dict)
    with django_db_blocker.unblock():
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
        try:
            yield
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)
