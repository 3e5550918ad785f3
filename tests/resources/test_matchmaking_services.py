"""Scenario matchmaking and policy help services (第五章第二条): publishing on the board without personal data,
one interest per resident and scenario editable until the deadline, steps and outcomes, help requests to
their outcome with the response deadline, the overdue flag and the reminder job (once each), suspensions,
exit and archive."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from discipline.models import Suspension, SuspensionScope
from opc_community.core.errors import DomainError, InvalidTransition
from opc_community.notices.models import Publication
from opc_community.portal.models import Notification
from residents.selectors.archive import resident_archive
from residents.services.lifecycle import exit_handlers, force_exit
from resources.models import (
    HelpStatus,
    InterestStatus,
    PolicyHelpRequest,
    PolicyInterest,
    PolicyReminder,
    ScenarioInterest,
)
from resources.services import policies, scenarios
from tests.resources.factories import PartnerFactory, PolicyFactory, ScenarioFactory
from tests.resources.support import NOW, at, sh

pytestmark = pytest.mark.django_db


def suspend(resident, scope: str) -> Suspension:
    return Suspension.objects.create(resident=resident, scope=scope, starts_at=NOW - timedelta(hours=1),
                                     ends_at=sh(2026, 10, 19, 18, 0), reason="违规处罚：擅自宣传")


# --- Scenarios -------------------------------------------------------------------------------------------------


def test_publishing_puts_a_resource_notice_without_the_contact_person(resources_staff):
    scenario = ScenarioFactory(published_at=None, partner=PartnerFactory(name="南沙创投基金", kind="investor"),
                               kind="financing", title="天使轮融资对接")
    scenarios.scenario_publish(scenario=scenario, actor=resources_staff)
    notice = Publication.objects.get(kind="resource_supply")
    assert "南沙创投基金" in notice.body and "2026年10月31日" in notice.body
    assert "王经理" not in notice.body and "13800138000" not in notice.body
    assert notice.title == "融资对接：天使轮融资对接"
    with pytest.raises(InvalidTransition):
        scenarios.scenario_publish(scenario=scenario, actor=resources_staff)


def test_only_the_resources_team_publishes(member_a, daily_staff):
    with pytest.raises(DomainError) as refused:
        scenarios.scenario_publish(scenario=ScenarioFactory(published_at=None), actor=daily_staff)
    assert refused.value.code == "not_allowed"


def test_one_interest_per_resident_editable_until_the_deadline(member_a):
    scenario = ScenarioFactory()
    interest = scenarios.interest_submit(scenario=scenario, resident=member_a, proposal="我们做过质检模型。",
                                         actor=member_a.user)
    with pytest.raises(DomainError) as twice:
        scenarios.interest_submit(scenario=scenario, resident=member_a, proposal="再来一次", actor=member_a.user)
    assert twice.value.code == "conflict"
    with at(sh(2026, 10, 31, 23, 0)):
        assert scenarios.interest_update(interest=interest, proposal="更新方案", actor=member_a.user).proposal == "更新方案"
    with at(sh(2026, 11, 1, 9, 0)), pytest.raises(DomainError) as late:
        scenarios.interest_update(interest=interest, proposal="太晚了", actor=member_a.user)
    assert "2026年10月31日" in str(late.value.message)
    assert ScenarioInterest.objects.get().proposal == "更新方案"


def test_another_resident_cannot_change_or_withdraw_an_interest(member_a, member_b):
    interest = scenarios.interest_submit(scenario=ScenarioFactory(), resident=member_a, proposal="方案",
                                         actor=member_a.user)
    with pytest.raises(DomainError):
        scenarios.interest_update(interest=interest, proposal="改掉", actor=member_b.user)
    with pytest.raises(DomainError):
        scenarios.interest_withdraw(interest=interest, actor=member_b.user)
    with pytest.raises(DomainError):
        scenarios.interest_submit(scenario=ScenarioFactory(title="另一个"), resident=member_a, proposal="x",
                                  actor=member_b.user)


def test_a_withdrawn_interest_comes_back_as_the_same_row(member_a):
    scenario = ScenarioFactory()
    interest = scenarios.interest_submit(scenario=scenario, resident=member_a, proposal="一", actor=member_a.user)
    scenarios.interest_withdraw(interest=interest, actor=member_a.user)
    again = scenarios.interest_submit(scenario=scenario, resident=member_a, proposal="二", actor=member_a.user)
    assert again.pk == interest.pk and again.status == InterestStatus.SUBMITTED and again.proposal == "二"


def test_unpublished_or_closed_scenarios_take_no_interest(member_a):
    with pytest.raises(DomainError):
        scenarios.interest_submit(scenario=ScenarioFactory(published_at=None), resident=member_a, proposal="x",
                                  actor=member_a.user)
    with pytest.raises(DomainError):
        scenarios.interest_submit(scenario=ScenarioFactory(deadline=date(2026, 10, 11)), resident=member_a,
                                  proposal="x", actor=member_a.user)


def test_steps_move_the_interest_and_the_outcome_concludes_it(member_a, resources_staff):
    interest = scenarios.interest_submit(scenario=ScenarioFactory(kind="order"), resident=member_a, proposal="方案",
                                         actor=member_a.user)
    scenarios.step_record(interest=interest, kind="introduction", happened_on=date(2026, 10, 12),
                          note="已引荐给采购部", actor=resources_staff)
    interest.refresh_from_db()
    assert interest.status == InterestStatus.IN_PROGRESS
    with pytest.raises(DomainError) as no_amount:
        scenarios.step_record(interest=interest, kind="outcome", outcome="order", happened_on=date(2026, 10, 12),
                              actor=resources_staff)
    assert no_amount.value.field == "amount"
    scenarios.step_record(interest=interest, kind="outcome", outcome="order", amount="120000",
                          happened_on=date(2026, 10, 12), actor=resources_staff)
    interest.refresh_from_db()
    assert interest.status == InterestStatus.CONCLUDED
    assert Notification.objects.filter(recipient=member_a.user, kind="resources.scenario_outcome").exists()
    with pytest.raises(InvalidTransition):
        scenarios.step_record(interest=interest, kind="meeting", happened_on=date(2026, 10, 12),
                              actor=resources_staff)


def test_a_step_cannot_be_dated_in_the_future(member_a, resources_staff):
    interest = scenarios.interest_submit(scenario=ScenarioFactory(), resident=member_a, proposal="方案",
                                         actor=member_a.user)
    with pytest.raises(DomainError) as refused:
        scenarios.step_record(interest=interest, kind="meeting", happened_on=date(2026, 10, 13),
                              actor=resources_staff)
    assert refused.value.field == "happened_on"


# --- Suspensions (RULEBOOK §9) --------------------------------------------------------------------------------


@pytest.mark.parametrize("scope", [SuspensionScope.RESOURCES, SuspensionScope.COMMUNITY])
def test_a_resources_suspension_stops_matchmaking_and_policy_help(member_a, scope):
    suspend(member_a, scope)
    with pytest.raises(DomainError) as refused:
        scenarios.interest_submit(scenario=ScenarioFactory(), resident=member_a, proposal="x", actor=member_a.user)
    assert refused.value.code == "suspended" and "不能参与场景对接" in str(refused.value.message)
    with pytest.raises(DomainError) as help_refused:
        policies.help_request(policy=PolicyFactory(), resident=member_a, question="x", actor=member_a.user)
    assert help_refused.value.code == "suspended"


def test_a_public_spaces_suspension_does_not(member_a):
    suspend(member_a, SuspensionScope.PUBLIC_SPACES)
    assert scenarios.interest_submit(scenario=ScenarioFactory(), resident=member_a, proposal="x",
                                     actor=member_a.user).pk
    assert policies.help_request(policy=PolicyFactory(), resident=member_a, question="x", actor=member_a.user).pk


# --- Policies --------------------------------------------------------------------------------------------------


def test_publishing_a_policy_puts_a_policy_notice(resources_staff):
    policy = PolicyFactory(published_at=None, issuer=PartnerFactory(name="南沙区人社局", kind="government"))
    policies.policy_publish(policy=policy, actor=resources_staff)
    notice = Publication.objects.get(kind="policy_notice")
    assert "南沙区人社局" in notice.body and "2026年10月20日" in notice.body


def test_help_request_is_due_in_two_working_days_and_follows_the_policy(member_a):
    policy = PolicyFactory()
    request = policies.help_request(policy=policy, resident=member_a, question="材料怎么准备？", actor=member_a.user)
    assert request.response_due_at.astimezone(sh(2026, 1, 1).tzinfo).date() == date(2026, 10, 14)
    assert PolicyInterest.objects.filter(policy=policy, resident=member_a).exists()
    with pytest.raises(DomainError) as twice:
        policies.help_request(policy=policy, resident=member_a, question="再问", actor=member_a.user)
    assert twice.value.code == "conflict"


def test_help_goes_to_its_outcome(member_a, resources_staff):
    request = policies.help_request(policy=PolicyFactory(), resident=member_a, question="帮忙申报",
                                    actor=member_a.user)
    with pytest.raises(InvalidTransition):
        policies.help_submit(request=request, actor=resources_staff)
    policies.help_accept(request=request, note="请准备营业执照", actor=resources_staff)
    policies.help_submit(request=request, submitted_on=date(2026, 10, 12), actor=resources_staff)
    with pytest.raises(DomainError) as no_amount:
        policies.help_decide(request=request, granted=True, actor=resources_staff)
    assert no_amount.value.field == "amount"
    done = policies.help_decide(request=request, granted=True, amount="20000", actor=resources_staff)
    assert done.status == HelpStatus.GRANTED and done.granted_amount == Decimal("20000.00")
    assert Notification.objects.filter(recipient=member_a.user, kind="resources.policy_help_granted").exists()


def test_not_granted_carries_no_amount(member_a, resources_staff):
    request = policies.help_request(policy=PolicyFactory(), resident=member_a, question="x", actor=member_a.user)
    policies.help_accept(request=request, actor=resources_staff)
    policies.help_submit(request=request, actor=resources_staff)
    assert policies.help_decide(request=request, granted=False, actor=resources_staff).status == HelpStatus.NOT_GRANTED


def test_overdue_requests_are_flagged_once(member_a, resources_staff):
    request = policies.help_request(policy=PolicyFactory(), resident=member_a, question="x", actor=member_a.user)
    with at(sh(2026, 10, 14, 20, 0)):
        assert policies.help_flag_overdue() == 0
    with at(sh(2026, 10, 15, 9, 0)):
        assert policies.help_flag_overdue() == 1
        assert policies.help_flag_overdue() == 0
    assert PolicyHelpRequest.objects.get(pk=request.pk).overdue_flagged_at is not None
    assert Notification.objects.filter(recipient=resources_staff, kind="resources.policy_help_overdue").count() == 1


def test_reminders_go_once_per_resident_and_policy(member_a, member_b):
    policy = PolicyFactory()  # deadline Tue 2026-10-20: the reminder window opens Tue 2026-10-13 (7 days)
    policies.interest_mark(policy=policy, resident=member_a, actor=member_a.user)
    policies.interest_mark(policy=policy, resident=member_b, actor=member_b.user)
    assert policies.reminders_send() == 0  # Mon 2026-10-12: 8 days before
    with at(sh(2026, 10, 13, 9, 20)):
        assert policies.reminders_send() == 2
        assert policies.reminders_send() == 0
    with at(sh(2026, 10, 14, 9, 20)):
        assert policies.reminders_send() == 0
    assert PolicyReminder.objects.count() == 2
    assert Notification.objects.filter(kind="resources.policy_reminder").count() == 2


def test_the_database_refuses_a_second_reminder(member_a):
    from django.db import IntegrityError, transaction

    policy = PolicyFactory()
    PolicyReminder.objects.create(policy=policy, resident=member_a, sent_at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyReminder.objects.create(policy=policy, resident=member_a, sent_at=NOW)


# --- Exit and archive --------------------------------------------------------------------------------------------


def test_exit_closes_open_interests_and_requests(member_a, resources_staff, administrator):
    assert exit_handlers()["resources.scenarios"] is scenarios.interests_close_for_exit
    assert exit_handlers()["resources.policies"] is policies.help_close_for_exit
    interest = scenarios.interest_submit(scenario=ScenarioFactory(), resident=member_a, proposal="方案",
                                         actor=member_a.user)
    request = policies.help_request(policy=PolicyFactory(), resident=member_a, question="x", actor=member_a.user)
    force_exit(resident=member_a, reason="严重违规", ban_years=1, actor=administrator)
    interest.refresh_from_db()
    request.refresh_from_db()
    assert interest.status == InterestStatus.CLOSED and request.status == HelpStatus.CLOSED


def test_the_archive_lists_interests_steps_and_requests(member_a, resources_staff):
    interest = scenarios.interest_submit(scenario=ScenarioFactory(), resident=member_a, proposal="方案",
                                         actor=member_a.user)
    scenarios.step_record(interest=interest, kind="meeting", happened_on=date(2026, 10, 12), actor=resources_staff)
    policies.help_request(policy=PolicyFactory(), resident=member_a, question="x", actor=member_a.user)
    sections = {key: rows for key, _label, rows in resident_archive(member_a).sections}
    assert len(sections["scenario"]) == 2 and "工厂质检视觉模型" in sections["scenario"][0].title
    assert len(sections["policy"]) == 1
