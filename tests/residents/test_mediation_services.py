"""Mediation services (调解, 第四章第三条 2; 第九章第二条 3, 第三条): request, statements, scheduling,
closing, withdrawal; deadlines from the rulebook; who may do what; nothing on the public board."""

from datetime import timedelta

import pytest
from django.utils import timezone

from opc_community import workdays
from opc_community.core.errors import DomainError, InvalidTransition
from opc_community.notices.models import Publication
from opc_community.portal.models import Notification
from residents.models import MediationStatement, MediationStatus, ResidentStatus, StatementParty
from residents.selectors import mediation as selectors
from residents.services import mediation as services
from tests.residents.support.mediation import (
    REQUESTED,
    at,
    member_c_of,
    request_mediation,
    schedule,
    sh,
)

pytestmark = pytest.mark.django_db


def _close(mediation, staff, *, agreed=True, requester=True, respondent=True):
    with at(sh(2026, 10, 12, 16, 0)):
        return services.mediation_close(
            mediation=mediation, requester_attended=requester, respondent_attended=respondent, agreed=agreed,
            outcome="双方同意按预约使用会议室。" if agreed else "双方未能就赔偿达成一致。", actor=staff,
        )


def test_a_request_gets_both_deadlines_in_working_days_and_tells_the_team_and_the_other_party(
    member_a, member_b, daily_staff
):
    mediation = request_mediation(member_a, member_b)
    assert mediation.status == MediationStatus.REQUESTED
    assert mediation.schedule_due_at == workdays.deadline(REQUESTED, 5).at
    assert mediation.close_due_at == workdays.deadline(REQUESTED, 15).at
    assert Notification.objects.filter(recipient=daily_staff, kind="residents.mediation_requested").exists()
    told = Notification.objects.get(recipient=member_b.user, kind="residents.mediation_requested")
    assert "张三" in told.title and "调解" in told.title


def test_the_other_party_must_be_another_checked_in_resident(member_a, member_b):
    with pytest.raises(DomainError) as error:
        request_mediation(member_a, member_a)
    assert error.value.field == "respondent"
    member_b.status = ResidentStatus.ONBOARDING
    member_b.save()
    with pytest.raises(DomainError) as error:
        request_mediation(member_a, member_b)
    assert error.value.field == "respondent"


def test_only_the_resident_itself_asks_and_every_field_is_needed(member_a, member_b, daily_staff):
    with pytest.raises(DomainError) as error:
        services.mediation_request(requester=member_a, respondent=member_b, facts="x", wish="y", actor=daily_staff)
    assert error.value.code == "not_allowed"
    with pytest.raises(DomainError) as error:
        request_mediation(member_a, member_b, facts="  ")
    assert error.value.field == "facts"


def test_both_parties_add_statements_a_third_resident_cannot(member_a, member_b):
    mediation = request_mediation(member_a, member_b)
    side = services.mediation_statement(mediation=mediation, text="会议室是我们先预约的。", actor=member_b.user)
    assert side.party == StatementParty.RESPONDENT
    more = services.mediation_statement(mediation=mediation, text="补充：预约记录见系统。", actor=member_a.user)
    assert more.party == StatementParty.REQUESTER
    assert Notification.objects.filter(recipient=member_a.user, kind="residents.mediation_statement").exists()
    third = member_c_of()
    with pytest.raises(DomainError) as error:
        services.mediation_statement(mediation=mediation, text="我也有话说", actor=third.user)
    assert error.value.code == "not_allowed"
    assert MediationStatement.objects.count() == 2


def test_the_team_schedules_moves_and_closes_with_an_agreement(member_a, member_b, daily_staff):
    mediation = schedule(request_mediation(member_a, member_b), daily_staff)
    assert mediation.status == MediationStatus.SCHEDULED
    assert mediation.session_place == "三楼 302 洽谈室"
    assert Notification.objects.filter(recipient=member_b.user, kind="residents.mediation_scheduled").exists()
    first_scheduled = mediation.scheduled_at
    moved = schedule(mediation, daily_staff, moment=sh(2026, 10, 10, 9, 0), session_at=sh(2026, 10, 13, 10, 0))
    assert moved.status == MediationStatus.SCHEDULED and moved.scheduled_at == first_scheduled
    closed = _close(moved, daily_staff)
    assert closed.status == MediationStatus.AGREED and closed.closed_at is not None
    assert closed.requester_attended and closed.respondent_attended
    with pytest.raises(InvalidTransition):
        _close(closed, daily_staff)
    with pytest.raises(InvalidTransition):
        services.mediation_statement(mediation=closed, text="还有话", actor=member_a.user)


def test_a_failed_mediation_tells_both_parties_where_to_go_next(member_a, member_b, daily_staff):
    mediation = schedule(request_mediation(member_a, member_b), daily_staff)
    closed = _close(mediation, daily_staff, agreed=False, respondent=False)
    assert closed.status == MediationStatus.FAILED
    for party in (member_a, member_b):
        notice = Notification.objects.get(recipient=party.user, kind="residents.mediation_closed")
        assert "人民法院" in notice.body and "协商" in notice.body


def test_an_agreement_needs_both_parties_present(member_a, member_b, daily_staff):
    mediation = schedule(request_mediation(member_a, member_b), daily_staff)
    with pytest.raises(DomainError) as error:
        _close(mediation, daily_staff, agreed=True, respondent=False)
    assert "双方" in error.value.message


def test_the_session_is_in_the_future_and_only_handlers_schedule(member_a, member_b, daily_staff, intake_staff):
    mediation = request_mediation(member_a, member_b)
    with pytest.raises(DomainError) as error:
        schedule(mediation, daily_staff, session_at=sh(2026, 10, 1, 9, 0))
    assert error.value.field == "session_at"
    with pytest.raises(DomainError) as error:
        schedule(mediation, intake_staff)
    assert error.value.code == "not_allowed"
    with pytest.raises(DomainError):
        schedule(mediation, member_a.user)


def test_staff_who_are_a_party_cannot_handle_it(member_a, daily_staff):
    staff_resident = member_c_of(daily_staff)
    mediation = request_mediation(member_a, staff_resident)
    with pytest.raises(DomainError):
        schedule(mediation, daily_staff)


def test_the_requester_withdraws_the_other_party_cannot(member_a, member_b):
    mediation = request_mediation(member_a, member_b)
    with pytest.raises(DomainError):
        services.mediation_withdraw(mediation=mediation, reason="已私下解决", actor=member_b.user)
    withdrawn = services.mediation_withdraw(mediation=mediation, reason="已私下解决", actor=member_a.user)
    assert withdrawn.status == MediationStatus.WITHDRAWN and withdrawn.closed_at is not None
    assert Notification.objects.filter(recipient=member_b.user, kind="residents.mediation_withdrawn").exists()


def test_mediations_never_reach_the_public_board(member_a, member_b, daily_staff):
    mediation = schedule(request_mediation(member_a, member_b), daily_staff)
    services.mediation_statement(mediation=mediation, text="我方意见", actor=member_b.user)
    _close(mediation, daily_staff, agreed=False)
    assert not Publication.objects.exists()


def test_each_party_sees_it_a_third_resident_does_not(member_a, member_b):
    mediation = request_mediation(member_a, member_b)
    third = member_c_of()
    assert list(selectors.mediations_of(member_a)) == [mediation]
    assert list(selectors.mediations_of(member_b)) == [mediation]
    assert not selectors.mediations_of(third).exists()


def test_missed_deadlines_are_flagged_to_the_team_once_each(member_a, member_b, daily_staff):
    mediation = request_mediation(member_a, member_b)
    after_schedule_due = mediation.schedule_due_at + timedelta(days=1)
    assert services.mediations_flag_overdue(now=mediation.schedule_due_at) == 0  # the due day itself
    assert services.mediations_flag_overdue(now=after_schedule_due) == 1
    assert services.mediations_flag_overdue(now=after_schedule_due) == 0
    after_close_due = mediation.close_due_at + timedelta(days=1)
    assert services.mediations_flag_overdue(now=after_close_due) == 1  # closing now overdue too
    kinds = set(Notification.objects.filter(recipient=daily_staff).values_list("kind", flat=True))
    assert {"residents.mediation_schedule_overdue", "residents.mediation_close_overdue"} <= kinds


def test_suspensions_do_not_restrict_asking_for_mediation(member_a, member_b):
    """No guard is asked: a suspended resident may still ask (docs/residents.md)."""
    from residents.guards import register_guard, unregister_guard

    def refuse_everything(resident, action, *, at):  # pragma: no cover - must not be called
        raise AssertionError("mediation is not a guarded action")

    register_guard("test.everything", refuse_everything)
    try:
        assert request_mediation(member_a, member_b).pk
    finally:
        unregister_guard("test.everything")
    assert timezone.now()
