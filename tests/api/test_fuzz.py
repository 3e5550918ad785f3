"""Fuzzing the whole REST API (schemathesis, in-process over WSGI: no server).

Every operation of the OpenAPI schema that /api/schema/ serves is called with generated requests —
valid ones and invalid ones — as the administrator and as a resident, against the demo community;
path ids are often those of real rows the caller can list. Every answer must be no server error and
must be what the schema documents: the status code, the content type, the headers and the body.

Bounded and repeatable: a fixed seed, derandomized, a few examples per operation (the module runs in
about 90 s on the 2-core machine; docs/operations.md). A failure names the operation and prints the
request as a curl command; ``-k "resident and bookings"`` runs a part.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from django.test import Client
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.config import SchemathesisConfig
from schemathesis.schemas import BaseSchema

from opc_community.core.audit import acting_as
from opc_community.core.demo import Demo, seed_all
from opc_community.wsgi import application

# Every test here runs inside the module's transaction (and so beside the other database tests).
pytestmark = pytest.mark.django_db

#: Who calls the API — a demo user each — and the API token the fixture gives them.
CALLERS = {
    "administrator": ("lead", "fuzz-administrator".ljust(40, "0")),
    "resident": ("zhangsan", "fuzz-resident".ljust(40, "0")),
}
EXAMPLES_PER_OPERATION = 5

#: Dates and UTC offsets at the edges of what Python, PostgreSQL (offsets up to ±15:59) and date arithmetic
#: handle, mixed into the generated ``date`` and ``date-time`` values: the bugs found there hid in them.
EDGE_DAYS = [date.min, date(1899, 12, 31), date(2026, 6, 15), date(2999, 12, 31), date.max]
EDGE_OFFSETS = ["Z", "+08:00", "+15:59", "-16:00", "+23:59", "-23:59"]
schemathesis.openapi.format("date", st.one_of(st.sampled_from(EDGE_DAYS), st.dates()).map(date.isoformat))
schemathesis.openapi.format("date-time", st.one_of(
    st.builds("{}T{:%H:%M:%S}{}".format, st.sampled_from(EDGE_DAYS), st.times(), st.sampled_from(EDGE_OFFSETS)),
    st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat),
))

#: role → collection path ("/api/v1/bookings/") → ids the caller's list shows (filled by the fixture).
KNOWN_IDS: dict[str, dict[str, list[Any]]] = {}


def _openapi() -> bytes:
    """The schema /api/schema/ serves (the same generator, without a request), as JSON."""
    return OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))


def _schema_for(role: str, document: bytes) -> BaseSchema:
    config = SchemathesisConfig.from_dict(
        {
            "seed": 20260101,
            "headers": {"Authorization": f"Token {CALLERS[role][1]}"},
            "generation": {"max-examples": EXAMPLES_PER_OPERATION, "deterministic": True, "database": "none"},
            "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
            "checks": {
                "enabled": False,
                "not_a_server_error": {"enabled": True},
                "status_code_conformance": {"enabled": True},
                "content_type_conformance": {"enabled": True},
                "response_headers_conformance": {"enabled": True},
                "response_schema_conformance": {"enabled": True},
            },
        }
    )
    schema = schemathesis.openapi.from_dict(json.loads(document), config=config)

    @schema.hook
    def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> st.SearchStrategy:
        """Half the time, the id of a row the caller's list shows (the rest: whatever was generated)."""
        ids = KNOWN_IDS.get(role, {}).get(_collection(context.operation.path))
        if not ids or "id" not in (path_parameters or {}):
            return st.just(path_parameters)
        real = st.sampled_from(ids).map(lambda row_id: {**path_parameters, "id": row_id})
        return st.one_of(st.just(path_parameters), real)

    return schema


def _collection(path: str) -> str:
    return path.split("{", 1)[0]


_DOCUMENT = _openapi()


@contextmanager
def _requests_keep_the_connection() -> Iterator[None]:
    """WSGI requests, as under Django's test client, leave the test's transaction (and connection) open."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (signals.request_started, signals.request_finished):
            signal.connect(close_old_connections)


def _ids_by_collection(token: str) -> dict[str, list[Any]]:
    """Every list operation's ids, as the token's owner sees them."""
    client, found = Client(HTTP_AUTHORIZATION=f"Token {token}"), {}
    for path, operations in json.loads(_DOCUMENT)["paths"].items():
        if "{" in path or "get" not in operations:
            continue
        body = client.get(path).json()
        rows = body.get("results") if isinstance(body, dict) else body
        ids = [row["id"] for row in rows or () if isinstance(row, dict) and "id" in row]
        if ids:
            found[path] = ids
    return found


@pytest.fixture(scope="module")
def demo_community(django_db_setup, django_db_blocker):
    """The demo community, built once for this module and rolled back after it: the callers' tokens,
    the ids each of them can list and the schema /api/schema/ serves them."""
    with django_db_blocker.unblock(), transaction.atomic():
        with acting_as(None, command="seed_demo"):
            demo = seed_all(Demo(now=timezone.now()))
        served = {}
        for role, (handle, key) in CALLERS.items():
            Token.objects.create(user=demo.users[handle], key=key)
            KNOWN_IDS[role] = _ids_by_collection(key)
            served[role] = Client(HTTP_AUTHORIZATION=f"Token {key}").get("/api/schema/", {"format": "json"}).json()
        # After the test client's requests: it reconnects the signals at the end of each.
        with _requests_keep_the_connection():
            yield served
        transaction.set_rollback(True)
    KNOWN_IDS.clear()


@pytest.fixture
def wsgi_app(demo_community, db):
    """The project's WSGI application; what an operation's examples write is rolled back after it."""
    return application


def test_the_fuzzed_schema_is_the_one_served(demo_community):
    for role in CALLERS:
        assert demo_community[role] == json.loads(_DOCUMENT), role


def test_the_fuzzer_calls_real_rows(demo_community):
    """Both callers list rows of many kinds, so that path ids reach real records."""
    assert len(KNOWN_IDS["administrator"]) >= 20
    assert len(KNOWN_IDS["resident"]) >= 5


@schemathesis.pytest.parametrize(**{role: _schema_for(role, _DOCUMENT) for role in CALLERS})
# An operation's examples share the fixtures (and see each other's writes, as real callers would).
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_api_answers_every_request_as_documented(case, wsgi_app):
    case.call_and_validate(app=wsgi_app)
