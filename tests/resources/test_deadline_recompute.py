"""A calendar change recomputes the resources app's open provisional deadlines (RULEBOOK §2): a voucher
application's review, a policy-help request's response, a service request's response and resolution.

The story (as in tests/workdays/test_deadline_kinds.py): on Wednesday 2026-12-30 a resident files;
2027's schedule is not loaded, so each deadline reaching into 2027 is counted Monday to Friday and
stored provisional. Staff then load 2027 with New Year's Day off (Fri 01-01 to Sun 01-03): each moves
to what a filing would get with the calendar as it now stands, and is no longer provisional.
"""

from datetime import date

import pytest

from opc_community import rulebook, workdays
from opc_community.portal.models import Notification
from opc_community.workdays import services as calendar_services
from opc_community.workdays.files import Day
from opc_community.workdays.models import CalendarChange
from resources.models import PolicyHelpRequest
from resources.services import policies, stage, vouchers
from tests.resources.factories import PolicyFactory
from tests.resources.support import at, programme, requested, sh

pytestmark = pytest.mark.django_db

EVENT = sh(2026, 12, 30, 10, 0)
NEW_YEAR_2027 = [Day(date(2027, 1, day), "holiday", "元旦") for day in (1, 2, 3)]


def load_2027(actor):
    with at(EVENT):
        return calendar_services.year_load(year=2027, days=NEW_YEAR_2027, actor=actor)


def now_due(working_days: int):
    """What a filing at EVENT gets with the calendar as it stands."""
    return workdays.deadline(EVENT, working_days)


def test_a_voucher_review_moves(member_a, administrator):
    days = rulebook.in_force(on=EVENT.date()).vouchers.review_working_days
    with at(EVENT):
        application = vouchers.application_submit(programme=programme(), resident=member_a,
                                                  purpose="训练视觉模型", actor=member_a.user)
    assert application.review_due_provisional is True
    change = load_2027(administrator)
    application.refresh_from_db()
    assert application.review_due_provisional is False
    assert application.review_due_at == now_due(days).at
    assert change.results["resources.voucher_review"]["settled"] == 1


def test_a_policy_help_response_moves_and_its_overdue_flag_is_withdrawn(member_a, resources_staff, administrator):
    days = rulebook.in_force(on=EVENT.date()).policies.help_response_working_days
    policy = PolicyFactory(application_deadline=date(2027, 3, 31))
    with at(EVENT):
        request = policies.help_request(policy=policy, resident=member_a, question="需要哪些材料？",
                                        actor=member_a.user)
    old_due = request.response_due_at
    with at(sh(2027, 1, 5, 8, 0)):  # after the Monday-to-Friday due day (Mon 01-04), before the new one
        assert policies.help_flag_overdue() == 1
    told = Notification.objects.filter(dedupe_key=policies.help_overdue_key(request.pk)).count()
    assert told >= 1

    change = load_2027(administrator)
    request.refresh_from_db()
    assert request.response_due_provisional is False
    assert request.response_due_at == now_due(days).at > old_due
    assert request.overdue_flagged_at is None  # judged again by the next daily run
    assert not Notification.objects.filter(dedupe_key=policies.help_overdue_key(request.pk)).exists()
    assert change.results["resources.policy_help"] == {"deadlines": 1, "moved": 1, "settled": 1, "flags_cleared": told}
    assert PolicyHelpRequest.objects.filter(pk=request.pk, response_due_provisional=False).exists()


def test_a_service_request_moves_both_deadlines_and_an_answered_one_keeps_its_response(
    member_a, member_b, resources_staff, administrator,
):
    book = rulebook.in_force(on=EVENT.date()).stage_services
    with at(EVENT):
        waiting = requested(member_a)
        answered = requested(member_b)
        stage.request_respond(request=answered, text="已安排导师", actor=resources_staff)
    answered.refresh_from_db()
    answered_response_due = answered.response_due_at
    assert waiting.due_provisional is True

    change = load_2027(administrator)
    waiting.refresh_from_db()
    answered.refresh_from_db()
    assert (waiting.response_due_at, waiting.resolution_due_at) == (
        now_due(book.response_working_days).at, now_due(book.resolution_working_days).at)
    assert waiting.due_provisional is False
    assert answered.response_due_at == answered_response_due  # answered: no longer awaited
    assert answered.resolution_due_at == now_due(book.resolution_working_days).at
    assert CalendarChange.objects.filter(pk=change.pk).exists()
