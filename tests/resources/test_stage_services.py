"""Start-up services (第五章第三条): request with the 2/7-working-day SLA (rule data), one open request per
service, the suspension guard, assign/respond/close, the resident's rating, the overdue flag (idempotent),
exit and archive."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from discipline.models import Suspension, SuspensionScope
from opc_community.core.errors import ConflictError, DomainError
from opc_community.portal.models import Notification
from residents.selectors.archive import resident_archive
from residents.services.lifecycle import exit_handlers, force_exit
from resources.models import RequestStatus, ServiceRequest
from resources.rules.stage import SlaState
from resources.selectors import stage as selectors
from resources.services import stage as services
from tests.resources.support import NOW, at, member, requested, sh, stage_service

pytestmark = pytest.mark.django_db


def test_the_catalogue_is_seeded_by_stage():
    by_stage = selectors.catalogue()
    assert [s.code for s in by_stage["startup"]] == [
        "project_review", "business_plan", "ai_guidance", "compliance_review", "registration"]
    assert [s.code for s in by_stage["growth"]] == ["brand_promotion", "customer_development"]
    assert [s.code for s in by_stage["mature"]] == ["industry_chain", "investment_ma"]


def test_a_request_gets_its_deadlines_in_working_days(member_a, resources_staff):
    item = requested(member_a)
    # Mon 2026-10-12 + 2 working days → Wed 10-14; + 7 → Wed 10-21 (end of day, RULEBOOK §2).
    assert item.response_due_at == sh(2026, 10, 14, 23, 59, 59)
    assert item.resolution_due_at == sh(2026, 10, 21, 23, 59, 59)
    assert item.status == RequestStatus.SUBMITTED
    assert Notification.objects.filter(recipient=resources_staff, kind="resources.service_requested").exists()


def test_a_second_open_request_for_the_same_service_is_refused(member_a):
    first = requested(member_a)
    with pytest.raises(ConflictError) as refused:
        requested(member_a, need="再来一次")
    assert refused.value.details == {"request": first.pk}
    requested(member_a, code="ai_guidance")  # another service is fine
    with pytest.raises(IntegrityError), transaction.atomic():  # the database stands behind it
        ServiceRequest.objects.create(service=first.service, resident=member_a, need="x", filed_at=NOW,
                                      response_due_at=NOW, resolution_due_at=NOW)


def test_empty_need_and_inactive_service_are_refused(member_a):
    with pytest.raises(DomainError) as empty:
        requested(member_a, need="  ")
    assert empty.value.field == "need"
    service = stage_service("registration")
    service.is_active = False
    service.save()
    with pytest.raises(DomainError) as inactive:
        requested(member_a, code="registration")
    assert inactive.value.field == "service"


def test_only_the_resident_itself_requests(member_a, member_b):
    with pytest.raises(DomainError) as refused:
        services.request_submit(service=stage_service(), resident=member_a, need="x", actor=member_b.user)
    assert refused.value.code == "not_allowed"


def _suspend(resident, scope):
    return Suspension.objects.create(resident=resident, scope=scope, starts_at=NOW - timedelta(hours=1),
                                     ends_at=sh(2026, 10, 19, 18, 0), reason="违规处罚")


@pytest.mark.parametrize("scope", [SuspensionScope.RESOURCES, SuspensionScope.COMMUNITY])
def test_a_resources_or_community_suspension_refuses_a_request(member_a, scope):
    _suspend(member_a, scope)
    with pytest.raises(DomainError) as refused:
        requested(member_a)
    assert refused.value.code == "suspended"
    assert not ServiceRequest.objects.exists()


def test_a_public_spaces_suspension_does_not(member_a):
    _suspend(member_a, SuspensionScope.PUBLIC_SPACES)
    assert requested(member_a).pk


def test_assign_respond_close_and_rate(member_a, resources_staff, administrator):
    item = requested(member_a)
    item = services.request_assign(request=item, handler=administrator, actor=resources_staff)
    assert item.handler == administrator
    assert Notification.objects.filter(recipient=administrator, kind="resources.service_assigned").exists()
    with at(sh(2026, 10, 13, 9, 0)):
        item = services.request_respond(request=item, text="明天上午 10 点面谈", actor=administrator)
    assert item.status == RequestStatus.IN_PROGRESS and item.responded_at == sh(2026, 10, 13, 9, 0)
    with at(sh(2026, 10, 22, 9, 0)):  # one day after the resolution day: late
        item = services.request_close(request=item, result="计划书已修改完成", actor=administrator)
        assert selectors.sla_states(item) == (SlaState.MET, SlaState.LATE)
    assert Notification.objects.filter(recipient=member_a.user, kind="resources.service_closed").exists()
    item = services.request_rate(request=item, rating="2", comment="太慢了", actor=member_a.user)
    assert (item.rating, item.rating_comment) == (2, "太慢了")
    assert Notification.objects.filter(recipient=administrator, kind="resources.service_rated_low").exists()
    with pytest.raises(DomainError):
        services.request_rate(request=item, rating=5, actor=member_a.user)  # once


def test_closing_straight_away_counts_as_the_response(member_a, resources_staff):
    item = services.request_close(request=requested(member_a), result="已办理", actor=resources_staff)
    assert item.responded_at == item.closed_at and item.handler == resources_staff
    assert selectors.sla_states(item) == (SlaState.MET, SlaState.MET)


def test_rating_is_the_residents_own_and_on_the_scale(member_a, member_b, resources_staff):
    item = services.request_close(request=requested(member_a), result="已办理", actor=resources_staff)
    with pytest.raises(DomainError) as other:
        services.request_rate(request=item, rating=5, actor=member_b.user)
    assert other.value.code == "not_allowed"
    for wrong in (0, 6, "x"):
        with pytest.raises(DomainError) as scale:
            services.request_rate(request=item, rating=wrong, actor=member_a.user)
        assert scale.value.field == "rating"
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceRequest.objects.filter(pk=item.pk).update(rating=9)


def test_an_open_request_cannot_be_rated(member_a):
    with pytest.raises(DomainError):
        services.request_rate(request=requested(member_a), rating=4, actor=member_a.user)


def test_residents_do_not_handle_and_staff_not_their_own(member_a, member_b):
    item = requested(member_a)
    with pytest.raises(DomainError) as refused:
        services.request_respond(request=item, text="x", actor=member_b.user)
    assert refused.value.code == "not_allowed"


def test_cancel_while_open_only(member_a, resources_staff):
    item = services.request_cancel(request=requested(member_a), actor=member_a.user, reason="不需要了")
    assert item.status == RequestStatus.CANCELLED
    with pytest.raises(DomainError):
        services.request_cancel(request=item, actor=member_a.user)
    closed = services.request_close(request=requested(member_a), result="完成", actor=resources_staff)
    with pytest.raises(DomainError):
        services.request_cancel(request=closed, actor=member_a.user)


def test_overdue_deadlines_are_flagged_once(member_a, resources_staff, administrator):
    item = requested(member_a)
    with at(sh(2026, 10, 14, 23, 59)):
        assert services.requests_flag_overdue() == 0  # still the due day
        assert selectors.overdue_kinds(item) == []
    with at(sh(2026, 10, 15, 0, 0)):
        created = services.requests_flag_overdue()
        assert created == 2  # the resources team and the administrator
        assert services.requests_flag_overdue() == 0  # idempotent
        assert selectors.overdue_kinds(item) == ["response"]
        assert list(ServiceRequest.objects.filter(selectors.overdue_q(sh(2026, 10, 15, 0, 0)))) == [item]
    services.request_assign(request=item, handler=resources_staff, actor=resources_staff)
    with at(sh(2026, 10, 22, 8, 0)):
        # to the handler only: the resolution now (the response's notice it had already)
        assert services.requests_flag_overdue() == 1
    keys = set(Notification.objects.filter(recipient=resources_staff).values_list("dedupe_key", flat=True))
    assert f"service-request:{item.pk}:solution-overdue:2026-10-21" in keys


def test_exit_cancels_open_requests_and_the_archive_lists_them(member_a, resources_staff, administrator):
    assert exit_handlers()["resources.stage_services"] is services.close_open_for_exit
    closed = services.request_close(request=requested(member_a, code="ai_guidance"), result="已指导",
                                    actor=resources_staff)
    services.request_rate(request=closed, rating=5, actor=member_a.user)
    open_one = requested(member_a)
    other = requested(member(name="李四"))
    force_exit(resident=member_a, reason="严重违规", ban_years=1, actor=administrator)
    open_one.refresh_from_db()
    other.refresh_from_db()
    assert open_one.status == RequestStatus.CANCELLED and open_one.cancel_reason
    assert other.status == RequestStatus.SUBMITTED
    sections = {key: rows for key, _label, rows in resident_archive(member_a).sections}
    assert len(sections["service"]) == 4  # two filed, one closed, one cancelled
