"""Fixtures of the activity tests: residents A and B (checked in, oriented), the clock at NOW."""

import pytest
from rest_framework.test import APIClient

from tests.resources.support import NOW, at, member


@pytest.fixture(autouse=True)
def _now():
    """Every test starts at NOW; a test travels elsewhere with a nested ``at(...)``."""
    with at(NOW):
        yield


@pytest.fixture
def member_a(resident_a):
    return member(resident_a, name="张三")


@pytest.fixture
def member_b(resident_b):
    return member(resident_b, name="欧阳娜娜")


@pytest.fixture
def api_for():
    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make
