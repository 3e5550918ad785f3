"""A new ladder case (第八章第二条 row 7: opened, verified, noticed, decided and published by the system) is
written in a fixed number of queries, whoever the resident and however many cases exist."""

import pytest

from discipline.models import ViolationCase
from discipline.services import ladders
from opc_community import rulebook
from tests.discipline.support.ladders import (  # noqa: F401 (fixtures)
    day,
    fee,
    other_fixture,
    staff_fixture,
    tenant_fixture,
)
from tests.residents.support.lifecycle import on_day

pytestmark = pytest.mark.django_db

#: One case of the 8-day band (a fine), per step:
#: opened (rulebook versions 1; existing key 1; number lock + count 2; insert 1; inbox 2) ·
#: verified (lock 1; evidence 1; move 2; recount 1; inbox 2) · notice (lock 1; move 2; number lock + count 2;
#: insert 1; inbox 2) · decided (lock 1; count lock + counted cases 2; measures 2;
#: move 2; inbox 2; ...) · published (lock with resident 1; facts scan 4; board 3;
#: move 2; inbox 2; ...) · savepoints of the nested services · the final re-read. The working-day calendar
#: is held by the process (opc_community.workdays.cached): no query.
QUERIES = 56


def _steps(on):
    violations = rulebook.in_force(on=on).violations
    bands = ladders.ladder_bands(ladders.LADDER_KINDS[ladders.FEES], violations)
    return ladders.plan_fees(ladders._fee_rows(on), bands)


def test_a_new_ladder_case_takes_a_fixed_number_of_queries(
    tenant, other, django_assert_num_queries
):
    fee(tenant)
    fee(other)
    with on_day(day(8), hour=8):
        first, second = _steps(day(8))
        ladders.ladder_step_open(step=first)  # the first case of the process (content types, …)
        with django_assert_num_queries(QUERIES):
            case, moved = ladders.ladder_step_open(step=second)
    assert moved and case.status == "published" and ViolationCase.objects.count() == 2
