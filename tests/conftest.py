"""Shared fixtures: the named cast of users (STYLE.md #14) and test-wide settings.

The cast: resident A and resident B (two different residents, for "B cannot see
A's data" tests), one member of each staff group, and an outsider with an
account but no role.
"""

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from opc_community import settings as project_settings
from opc_community.accounts.roles import Role
from opc_community.celery import app as celery_app
from opc_community.core.db_roles import connect_as_owner
from opc_community.workdays import cached
from tests.factories import UserFactory
from tests.logins import login


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """The tests create, migrate and use their database as the owner role (MIGRATION_DATABASE_URL, when
    set: docs/operations.md, "Database roles"); tests/faults/test_database_roles.py connects as the
    application role where it matters."""
    connect_as_owner()


@pytest.fixture(autouse=True, scope="session")
def _celery_eager() -> None:
    """Tasks run in-process unless a test starts a real worker (tests/test_celery_worker.py)."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _chinese_after_each_test():
    """A request in English (the language switch) leaves the thread's language active after it:
    put Chinese back, so that no later test reads English text by accident."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2's deliberate slowness protects real passwords; test accounts need none of it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_cache(settings):
    """Each test gets a cache namespace of its own in the real Redis (nothing flushed, nothing shared)."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"opc-test-{uuid.uuid4().hex}"},
    }


@pytest.fixture(autouse=True)
def _no_held_calendar():
    """Each test starts without this process's copy of the working-day calendar (``workdays.cached``):
    a copy loaded in an earlier test's rolled-back transaction never answers for this one. (The stamp
    lives in the test's own cache namespace, so a copy would not match it anyway.)"""
    cached.forget()


@pytest.fixture(autouse=True)
def _sessions_outlast_time_travel(settings):
    """Tests log in, then travel days ahead to the moment they test: their sessions do not end by
    idleness. Tests of the idle expiry itself ask for ``idle_expiry`` (the production timeouts)."""
    settings.SESSION_IDLE_TIMEOUT = {role: timedelta(days=3650) for role in project_settings.SESSION_IDLE_TIMEOUT}


@pytest.fixture
def idle_expiry(settings):
    settings.SESSION_IDLE_TIMEOUT = project_settings.SESSION_IDLE_TIMEOUT


@pytest.fixture
def resident_a(db):
    return UserFactory(username="resident_a", full_name="张三", roles=[Role.RESIDENT])


@pytest.fixture
def resident_b(db):
    return UserFactory(username="resident_b", full_name="欧阳娜娜", roles=[Role.RESIDENT])


@pytest.fixture
def outsider(db):
    """Logged in, but neither staff nor resident (e.g. an applicant before approval)."""
    return UserFactory(username="outsider", full_name="王五")


def _staff(username: str, full_name: str, role: str):
    return UserFactory(username=username, full_name=full_name, is_staff=True, roles=[role])


@pytest.fixture
def intake_staff(db):
    return _staff("intake", "李招商", Role.INTAKE)


@pytest.fixture
def resources_staff(db):
    return _staff("resources", "赵资源", Role.RESOURCES)


@pytest.fixture
def daily_staff(db):
    return _staff("daily", "钱日常", Role.DAILY)


@pytest.fixture
def administrator(db):
    return _staff("admin_lead", "孙负责", Role.ADMINISTRATOR)


@pytest.fixture
def oversight(db):
    return _staff("oversight", "周监督", Role.OVERSIGHT)


@pytest.fixture
def client_for():
    """``client_for(user)`` → a test client logged in as that user, past the second factor when
    the login needs one (tests.logins.login; a bare ``Client().force_login`` stays before it)."""

    def make(user) -> Client:
        return login(Client(), user)

    return make


@pytest.fixture
def openapi_schema(outsider, client_for) -> dict:
    """The OpenAPI schema, as /api/schema/ serves it to a logged-in user (anonymous users are refused)."""
    return client_for(outsider).get(reverse("api-schema"), {"format": "json"}).json()
