"""Fixtures shared by the discipline tests: the standing clock and two checked-in residents."""

from tests.discipline.support.cases import today  # noqa: F401
from tests.residents.conftest import member_a, member_b  # noqa: F401
