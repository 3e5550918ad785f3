"""Desk change approvals racing with real parallel database connections (threads, committed data).

Two staff members approve two residents' requests onto the same free desk at the same moment: exactly one
resident moves; the other approval is a clean conflict that rolls back the whole move (that resident keeps
its desk, its request stays open). The release is slowed down so that both transactions are really open
at once when they reach the desk.
"""

import time
from typing import Any

import pytest

from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from spaces.models import DeskAssignment, DeskChangeRequest, RequestStatus
from spaces.selectors import desks as selectors
from spaces.services import desks as services
from tests.concurrency import (  # noqa: F401 - the autouse fixture is imported to be active here
    committed_data,
    restore_snapshot_without_triggers,
    run_in_parallel,
)
from tests.spaces.factories import DeskFactory
from tests.spaces.support.desks import member, seat

pytestmark = committed_data


@pytest.fixture
def slow_release(monkeypatch):
    """Hold each approval's transaction open after the release, before the new desk is taken."""
    real = services.desk_release

    def slow(**kwargs: Any) -> Any:
        released = real(**kwargs)
        time.sleep(0.3)
        return released

    monkeypatch.setattr(services, "desk_release", slow)


@pytest.mark.parametrize("round_", range(3))
def test_two_staff_approving_onto_the_same_desk_get_one_move_and_one_clean_conflict(
    daily_staff, administrator, slow_release, round_
):
    first, second = member(name="张三"), member(name="李四")
    seat(first, "A-1", daily_staff)
    seat(second, "A-2", daily_staff)
    wanted = DeskFactory(code="D-1")
    requests = [
        services.desk_request_create(resident=resident, reason="想换到 D 区", preferred_desk=wanted,
                                     actor=resident.user)
        for resident in (first, second)
    ]

    results = run_in_parallel([
        (lambda change=change, staff=staff: services.desk_request_approve(request=change, desk=wanted, actor=staff))
        for change, staff in zip(requests, (daily_staff, administrator), strict=True)
    ])

    winners = [r for r in results if isinstance(r, DeskChangeRequest)]
    conflicts = [r for r in results if isinstance(r, ConflictError)]
    assert (len(winners), len(conflicts)) == (1, 1), results
    assert "工位 D-1 已分配给其他入驻主体" in str(conflicts[0].message)
    winner = winners[0].resident
    loser = first if winner.pk == second.pk else second
    assert selectors.current_desk_assignment(winner).desk == wanted
    assert selectors.current_desk_assignment(loser).desk.code in ("A-1", "A-2")  # kept: the release rolled back
    assert DeskAssignment.objects.filter(desk=wanted, ends_at__isnull=True).count() == 1
    assert DeskChangeRequest.objects.get(resident=loser).status == RequestStatus.REQUESTED


def test_two_staff_approving_the_same_request_at_once_move_the_resident_once(daily_staff, administrator,
                                                                          slow_release):
    resident = member(name="张三")
    seat(resident, "A-1", daily_staff)
    change = services.desk_request_create(resident=resident, reason="换位", actor=resident.user)
    targets = [DeskFactory(code="D-1"), DeskFactory(code="D-2")]

    results = run_in_parallel([
        (lambda target=target, staff=staff: services.desk_request_approve(request=change, desk=target, actor=staff))
        for target, staff in zip(targets, (daily_staff, administrator), strict=True)
    ])

    assert sum(isinstance(r, DeskChangeRequest) for r in results) == 1, results
    assert sum(isinstance(r, InvalidTransition) for r in results) == 1, results
    assert not [r for r in results if isinstance(r, DomainError) and not isinstance(r, InvalidTransition)]
    assert DeskAssignment.objects.filter(resident=resident, ends_at__isnull=True).count() == 1
    assert DeskAssignment.objects.filter(resident=resident).count() == 2  # A-1 released once, one new desk
