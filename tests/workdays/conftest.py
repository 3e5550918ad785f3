"""Fixtures of the calendar tests: the checked-in residents of the residents app's tests."""

from tests.residents.conftest import member_a, member_b  # noqa: F401  (fixtures re-exported)
