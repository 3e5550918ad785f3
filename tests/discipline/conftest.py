"""Fixtures shared by the discipline tests: the standing clock and two checked-in residents."""

from tests.discipline.test_cases_support import today  # noqa: F401
from tests.residents.conftest import member_a, member_b  # noqa: F401
