"""The spaces app's actions ask the one guard (residents.guards; RULEBOOK §9, decisions added 2026-12): a
suspended resident is refused with the reason and the end date — through the service and through the portal
or the API — while a suspension of a scope that does not cover the action stops nothing.

- room bookings and event/promotion permits: *public spaces* and *community*;
- desk change requests and receiving visitors: *community* only.
"""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from discipline.models import Suspension, SuspensionScope
from opc_community.core.errors import DomainError
from spaces.models import Booking, DeskChangeRequest, Permit, Visitor, VisitorStatus
from spaces.services import bookings, desks, permits, visitors
from tests.spaces.support.desks import in_hours, member, pdf_upload, seat, use_private_storage
from tests.spaces.support.permits import NOW, at, room

pytestmark = pytest.mark.django_db

#: The end of every suspension here, and how the refusal writes it.
ENDS = at(23, 18)
ENDS_TEXT = "2026年11月23日 18:00"
REASON = "违规处罚：擅自宣传"


@pytest.fixture(autouse=True)
def _clock(settings, tmp_path):
    use_private_storage(settings, tmp_path)
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def resident(resident_a, daily_staff):
    resident = member(resident_a, name="张三")
    seat(resident, "A-101", daily_staff)
    return resident


def suspend(resident, scope: str) -> Suspension:
    return Suspension.objects.create(resident=resident, scope=scope, starts_at=NOW - timedelta(days=1),
                                     ends_at=ENDS, reason=REASON)


def assert_refused(error: DomainError) -> None:
    assert error.code == "suspended"
    assert ENDS_TEXT in str(error.message) and REASON in str(error.message) and "第八章第二条" in str(error.message)


# --- Room bookings (public spaces, community) ------------------------------------------------------------


def book(resident):
    hall = room()
    return bookings.booking_create(resident=resident, room=hall, starts_at=at(17, 9), ends_at=at(17, 10),
                                   purpose="客户洽谈", attendees=3, actor=resident.user)


@pytest.mark.parametrize("scope", [SuspensionScope.PUBLIC_SPACES, SuspensionScope.COMMUNITY])
def test_booking_through_the_api_is_refused_with_the_end_and_the_reason(resident, scope):
    suspend(resident, scope)
    client = APIClient()
    client.force_authenticate(resident.user)
    hall = room()
    response = client.post("/api/v1/bookings/", {
        "room": hall.pk, "starts_at": at(17, 9).isoformat(), "ends_at": at(17, 10).isoformat(),
        "purpose": "客户洽谈", "attendees": 3,
    }, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "suspended" and ENDS_TEXT in body["detail"] and REASON in body["detail"]
    assert "不能预约场地" in body["detail"]
    assert not Booking.objects.exists()


@pytest.mark.parametrize("scope", [SuspensionScope.RESOURCES, SuspensionScope.PUBLIC_RESOURCES])
def test_booking_is_not_stopped_by_another_scope(resident, scope):
    suspend(resident, scope)
    assert book(resident).pk


# --- Event and promotion permits (public spaces, community) ------------------------------------------------

PERMIT = {"kind": "event", "title": "AI 创业沙龙", "place": "路演厅", "starts_at": at(17, 9), "ends_at": at(17, 12),
          "description": "交流活动"}


@pytest.mark.parametrize("scope", [SuspensionScope.PUBLIC_SPACES, SuspensionScope.COMMUNITY])
def test_applying_for_a_permit_is_refused(resident, scope):
    suspend(resident, scope)
    with pytest.raises(DomainError) as refused:
        permits.permit_apply(resident=resident, actor=resident.user, **PERMIT)
    assert_refused(refused.value)
    assert "不能申请活动或宣传许可" in str(refused.value.message)
    assert not Permit.objects.exists()


def test_applying_for_a_permit_in_the_portal_shows_why(client_for, resident):
    suspend(resident, SuspensionScope.PUBLIC_SPACES)
    response = client_for(resident.user).post(reverse("spaces:permit_new"), {
        "kind": "posters", "title": "招聘海报", "place": "一楼公告栏", "starts_at": "2026-11-17T09:00",
        "ends_at": "2026-11-24T18:00", "description": "招聘 AI 工程师", "material": pdf_upload(),
    }, follow=True)
    page = response.content.decode()
    assert "您的公共空间使用权限已暂停至 " + ENDS_TEXT in page and REASON in page
    assert not Permit.objects.exists()


@pytest.mark.parametrize("scope", [SuspensionScope.RESOURCES, SuspensionScope.PUBLIC_RESOURCES])
def test_a_permit_is_not_stopped_by_another_scope(resident, scope):
    suspend(resident, scope)
    assert permits.permit_apply(resident=resident, actor=resident.user, **PERMIT).pk


# --- Desk change requests (community) --------------------------------------------------------------------


def test_a_desk_change_request_is_refused_during_a_community_suspension(resident):
    suspend(resident, SuspensionScope.COMMUNITY)
    with pytest.raises(DomainError) as refused:
        desks.desk_request_create(resident=resident, reason="离空调太近", actor=resident.user)
    assert_refused(refused.value)
    assert "您的社区使用权限已暂停" in str(refused.value.message)
    assert not DeskChangeRequest.objects.exists()


def test_the_desk_page_shows_why(client_for, resident):
    suspend(resident, SuspensionScope.COMMUNITY)
    response = client_for(resident.user).post(reverse("spaces:desk_request_new"), {"reason": "离空调太近"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "不能申请调整工位" in page and ENDS_TEXT in page
    assert not DeskChangeRequest.objects.exists()


@pytest.mark.parametrize("scope", [SuspensionScope.PUBLIC_SPACES, SuspensionScope.RESOURCES])
def test_a_desk_change_request_is_not_stopped_by_another_scope(resident, scope):
    suspend(resident, scope)
    assert desks.desk_request_create(resident=resident, reason="离空调太近", actor=resident.user).pk


# --- Visitors (community) --------------------------------------------------------------------------------


def register(host, staff):
    return visitors.visitor_register(name="李四", phone="13812345678", host=host, purpose="商务洽谈",
                                     expected_at=in_hours(1), actor=staff)


def test_the_front_desk_cannot_register_a_visitor_for_a_suspended_host(resident, daily_staff):
    suspend(resident, SuspensionScope.COMMUNITY)
    with pytest.raises(DomainError) as refused:
        register(resident, daily_staff)
    assert_refused(refused.value)
    assert refused.value.field == "host" and "不能接待访客" in str(refused.value.message)
    assert not Visitor.objects.exists()


def test_a_suspended_host_cannot_confirm_a_visit_in_the_portal(client_for, resident, daily_staff):
    visitor = register(resident, daily_staff)
    suspend(resident, SuspensionScope.COMMUNITY)
    response = client_for(resident.user).post(reverse("spaces:visitor_confirm", args=[visitor.pk]), follow=True)
    page = response.content.decode()
    assert "不能接待访客" in page and ENDS_TEXT in page
    visitor.refresh_from_db()
    assert visitor.status == VisitorStatus.AWAITING_HOST


@pytest.mark.parametrize("scope", [SuspensionScope.PUBLIC_SPACES, SuspensionScope.RESOURCES])
def test_visitors_are_not_stopped_by_another_scope(resident, daily_staff, scope):
    suspend(resident, scope)
    visitor = register(resident, daily_staff)
    assert visitors.visitor_confirm(visitor=visitor, actor=resident.user).status == VisitorStatus.CONFIRMED
