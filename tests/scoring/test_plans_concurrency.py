"""Races on the quarterly plan with real parallel connections (threads, committed data): the services lock the
plan's row, so two decisions arriving together make one, and two change requests make one pending request."""

from datetime import date

import time_machine

from opc_community.core.errors import ConflictError, InvalidTransition
from scoring.models import PlanChange, PlanStatus, QuarterPlan
from scoring.services import plans as services
from tests.concurrency import committed_data, restore_snapshot_without_triggers, run_in_parallel  # noqa: F401
from tests.factories import UserFactory
from tests.scoring.support.inputs import make_quarter, member, plan_numbers, sh, stored_plan

pytestmark = committed_data


def _staff(username: str):
    from opc_community.accounts.roles import Role

    return UserFactory(username=username, full_name=username, is_staff=True, roles=[Role.ADMINISTRATOR])


def test_accept_and_return_together_make_one_decision():
    quarter = make_quarter(number=4, due=date(2026, 12, 31))
    plan = stored_plan(quarter, member(), status=PlanStatus.SUBMITTED)
    first, second = _staff("lead_a"), _staff("lead_b")
    with time_machine.travel(sh(2026, 10, 12, 9), tick=False):
        results = run_in_parallel([lambda: services.plan_accept(plan=plan, actor=first),
                                   lambda: services.plan_return(plan=plan, reason="请补充", actor=second)])
    refused = [result for result in results if isinstance(result, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], InvalidTransition), results
    decided = QuarterPlan.objects.get()
    assert decided.status in (PlanStatus.ACCEPTED, PlanStatus.RETURNED)
    assert decided.events.filter(pgh_label="update").count() == 1  # one decision in the audit trail


def test_two_change_requests_together_leave_one_pending():
    quarter = make_quarter(number=4, due=date(2026, 12, 31))
    resident = member()
    plan = stored_plan(quarter, resident)
    with time_machine.travel(sh(2026, 11, 2, 9), tick=False):
        results = run_in_parallel([
            lambda: services.plan_change_request(plan=plan, values=plan_numbers(planned=3), reason="一",
                                                 actor=resident.user),
            lambda: services.plan_change_request(plan=plan, values=plan_numbers(planned=2), reason="二",
                                                 actor=resident.user),
        ])
    refused = [result for result in results if isinstance(result, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], ConflictError), results
    assert PlanChange.objects.count() == 1
