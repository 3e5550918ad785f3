"""Permit services (第四章第三条): apply with material checked by content, approve (once) or refuse with a
reason, withdraw, and reserve a room for an approved event through the booking rules within its time."""

from pathlib import Path

import pytest
import time_machine

from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.portal.models import Notification
from residents.models import ResidentStatus
from spaces.models import Booking, Permit, RequestStatus
from spaces.services import permits as services
from tests.residents.factories import ResidentFactory
from tests.spaces.factories import BookingFactory
from tests.spaces.support.desks import (
    JPEG,
    PDF,
    PNG,
    big_upload,
    fake_pdf_upload,
    member,
    pdf_upload,
    upload,
    use_private_storage,
)
from tests.spaces.support.permits import NOW, at, permit, room

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def private(settings, tmp_path) -> Path:
    use_private_storage(settings, tmp_path)
    return tmp_path / "private"


@pytest.fixture
def applicant(resident_a):
    return member(resident_a, name="张三")


@pytest.fixture
def other(resident_b):
    return member(resident_b, name="欧阳娜娜")


def apply(resident, **kwargs):
    values = {"kind": "event", "title": "AI 创业沙龙", "place": "路演厅", "starts_at": at(17, 9),
              "ends_at": at(17, 12), "description": "交流活动", **kwargs}
    return services.permit_apply(resident=resident, actor=resident.user, **values)


# --- Applying --------------------------------------------------------------------------------------------


def test_a_resident_applies_with_its_poster_stored_privately(applicant, daily_staff, private):
    created = apply(applicant, kind="posters", material=pdf_upload("我的海报.pdf"))

    assert created.status == RequestStatus.REQUESTED
    assert (created.material_name, created.material_type) == ("我的海报.pdf", "application/pdf")
    assert created.material.name.startswith(f"permits/{applicant.pk}/") and "海报" not in created.material.name
    assert (private / created.material.name).read_bytes() == PDF
    told = Notification.objects.get(recipient=daily_staff)
    assert "AI 创业沙龙" in told.title and "张三" in told.body


@pytest.mark.parametrize(("content", "kind"), [(PNG, "image/png"), (JPEG, "image/jpeg")])
def test_images_are_accepted_by_their_content(applicant, content, kind):
    assert apply(applicant, material=upload("flyer.bin", content)).material_type == kind


@pytest.mark.parametrize(
    ("make", "message"),
    [(fake_pdf_upload, "不是 PDF / JPEG / PNG 文件"), (lambda: big_upload(10), "10 MB")],
)
def test_bad_files_are_refused_and_nothing_is_written(applicant, private, make, message):
    with pytest.raises(DomainError, match=message) as refused:
        apply(applicant, kind="flyers", material=make())
    assert refused.value.field == "material"
    assert not Permit.objects.exists()
    assert not private.exists() or not any(private.rglob("*.*"))


@pytest.mark.parametrize("kind", ["posters", "flyers"])
def test_posters_and_flyers_need_their_material(applicant, kind):
    with pytest.raises(DomainError, match="第四章第三条") as refused:
        apply(applicant, kind=kind)
    assert refused.value.field == "material"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"ends_at": at(17, 9)}, "ends_at", "结束时间必须晚于开始时间"),
        ({"starts_at": at(16, 7), "ends_at": at(16, 9)}, "starts_at", "开始时间不能早于当前时间"),
        ({"title": " "}, "title", "请填写"),
        ({"place": ""}, "place", "请填写"),
        ({"description": ""}, "description", "请填写"),
        ({"kind": "party"}, "kind", "请选择申请事项"),
    ],
)
def test_bad_applications_are_refused(applicant, change, field, message):
    with pytest.raises(DomainError, match=message) as refused:
        apply(applicant, **change)
    assert refused.value.field == field


def test_only_the_resident_itself_and_only_after_check_in(applicant, daily_staff, resident_b):
    with pytest.raises(DomainError, match="入驻主体本人"):
        services.permit_apply(resident=applicant, actor=daily_staff, kind="event", title="x", place="x",
                              starts_at=at(17, 9), ends_at=at(17, 10), description="x")
    onboarding = ResidentFactory(user=resident_b, status=ResidentStatus.ONBOARDING, checked_in_at=None)
    with pytest.raises(DomainError, match="办理入驻后"):
        apply(onboarding)


# --- Deciding ---------------------------------------------------------------------------------------------


def test_approve_tells_the_resident_and_twice_is_refused(applicant, daily_staff):
    created = apply(applicant)

    approved = services.permit_approve(permit=created, note="请注意消防通道", actor=daily_staff)

    assert (approved.status, approved.decided_by, approved.decision_reason) == (
        RequestStatus.APPROVED, daily_staff, "请注意消防通道")
    told = Notification.objects.get(recipient=applicant.user)
    assert "已获批准" in told.body and "预约场地" in told.body and told.link == f"/portal/spaces/permits/{created.pk}/"
    with pytest.raises(InvalidTransition, match="已通过"):
        services.permit_approve(permit=created, actor=daily_staff)
    with pytest.raises(InvalidTransition):
        services.permit_refuse(permit=created, reason="x", actor=daily_staff)
    assert Notification.objects.filter(recipient=applicant.user).count() == 1


def test_refuse_needs_a_reason_the_resident_reads(applicant, daily_staff):
    created = apply(applicant)
    with pytest.raises(DomainError, match="请填写") as refused:
        services.permit_refuse(permit=created, reason=" ", actor=daily_staff)
    assert refused.value.field == "reason"

    services.permit_refuse(permit=created, reason="与其他活动冲突", actor=daily_staff)

    created.refresh_from_db()
    assert (created.status, created.decision_reason) == (RequestStatus.REFUSED, "与其他活动冲突")
    assert "与其他活动冲突" in Notification.objects.get(recipient=applicant.user).body


def test_a_permit_whose_time_is_over_cannot_be_approved(applicant, daily_staff):
    created = apply(applicant)
    with time_machine.travel(at(17, 12), tick=False), pytest.raises(InvalidTransition, match="时间已过"):
        services.permit_approve(permit=created, actor=daily_staff)


@pytest.mark.parametrize("who", ["resident_a", "oversight", "resources_staff", "intake_staff"])
def test_only_the_daily_team_or_the_administrator_decides(applicant, request, who):
    created = apply(applicant)
    actor = request.getfixturevalue(who)
    with pytest.raises(DomainError, match="日常管理组或运营负责人"):
        services.permit_approve(permit=created, actor=actor)
    with pytest.raises(DomainError, match="日常管理组或运营负责人"):
        services.permit_refuse(permit=created, reason="x", actor=actor)


def test_the_administrator_decides_too(applicant, administrator):
    assert services.permit_approve(permit=apply(applicant), actor=administrator).status == RequestStatus.APPROVED


# --- Withdrawing ------------------------------------------------------------------------------------------


def test_the_resident_withdraws_its_own_permit(applicant, other, daily_staff):
    created = apply(applicant)
    with pytest.raises(DomainError, match="提出申请的入驻主体"):
        services.permit_withdraw(permit=created, actor=other.user)
    assert services.permit_withdraw(permit=created, actor=applicant.user).status == RequestStatus.WITHDRAWN
    with pytest.raises(InvalidTransition):
        services.permit_withdraw(permit=created, actor=applicant.user)


def test_an_approved_permit_with_a_booking_is_not_withdrawn(applicant, daily_staff):
    approved = services.permit_approve(permit=apply(applicant), actor=daily_staff)
    services.permit_reserve_room(permit=approved, room=room(), starts_at=at(17, 9), ends_at=at(17, 11),
                                 attendees=30, actor=applicant.user)

    with pytest.raises(DomainError, match="我的预约"):
        services.permit_withdraw(permit=approved, actor=applicant.user)


# --- A room for an approved event ----------------------------------------------------------------------------


def test_an_approved_event_reserves_a_room_within_its_time(applicant, daily_staff):
    approved = services.permit_approve(permit=apply(applicant), actor=daily_staff)

    booking = services.permit_reserve_room(permit=approved, room=room(), starts_at=at(17, 9), ends_at=at(17, 12),
                                           attendees=30, actor=applicant.user)

    assert (booking.permit, booking.resident, booking.purpose, booking.status) == (
        approved, applicant, "AI 创业沙龙", "confirmed")


@pytest.mark.parametrize(("starts", "ends"), [((17, 8, 30), (17, 10)), ((17, 11), (17, 13)), ((18, 9), (18, 10))])
def test_a_booking_outside_the_permits_time_is_refused(applicant, daily_staff, starts, ends):
    approved = services.permit_approve(permit=apply(applicant), actor=daily_staff)

    with pytest.raises(DomainError, match="必须在申请批准的时间范围内") as refused:
        services.permit_reserve_room(permit=approved, room=room(), starts_at=at(*starts), ends_at=at(*ends),
                                     attendees=10, actor=applicant.user)

    assert refused.value.field == "starts_at"
    assert not Booking.objects.exists()


@pytest.mark.parametrize(("kind", "status"), [("event", "requested"), ("event", "refused"), ("posters", "approved"),
                                              ("flyers", "approved"), ("event", "withdrawn")])
def test_only_an_approved_event_or_roadshow_reserves(applicant, kind, status):
    held = permit(applicant, kind=kind, status=status)
    with pytest.raises(DomainError, match="已获批准的自组织活动或路演"):
        services.permit_reserve_room(permit=held, room=room(), starts_at=at(17, 9), ends_at=at(17, 10),
                                     attendees=10, actor=applicant.user)


def test_an_approved_roadshow_reserves_too(applicant):
    held = permit(applicant, kind="roadshow", status="approved")
    booking = services.permit_reserve_room(permit=held, room=room(), starts_at=at(17, 9), ends_at=at(17, 10),
                                           attendees=10, actor=applicant.user)
    assert booking.permit == held


def test_the_booking_rules_still_apply(applicant, other, daily_staff):
    hall = room()
    approved = services.permit_approve(permit=apply(applicant, starts_at=at(17, 6), ends_at=at(17, 12)),
                                       actor=daily_staff)
    with pytest.raises(DomainError):  # before the room type opens (rulebook: 08:00)
        services.permit_reserve_room(permit=approved, room=hall, starts_at=at(17, 6), ends_at=at(17, 7),
                                     attendees=10, actor=applicant.user)
    BookingFactory(room=hall, resident=other, starts_at=at(17, 9), ends_at=at(17, 10), purpose="别人的会")
    with pytest.raises(ConflictError):
        services.permit_reserve_room(permit=approved, room=hall, starts_at=at(17, 9), ends_at=at(17, 11),
                                     attendees=10, actor=applicant.user)
    assert Booking.objects.count() == 1


def test_another_resident_cannot_reserve_on_the_permit(applicant, other):
    held = permit(applicant, status="approved")
    with pytest.raises(DomainError, match="申请人本人"):
        services.permit_reserve_room(permit=held, room=room(), starts_at=at(17, 9), ends_at=at(17, 10),
                                     attendees=10, actor=other.user)


# --- Exit and the audit trail ----------------------------------------------------------------------------------


def test_exit_withdraws_open_and_future_permits(applicant, daily_staff):
    waiting = apply(applicant)
    coming = permit(applicant, status="approved")
    past = permit(applicant, status="approved", starts_at=at(10, 9), ends_at=at(10, 10))

    assert "2" in services.permits_withdraw_for_exit(resident=applicant, actor=daily_staff)

    statuses = dict(Permit.objects.values_list("pk", "status"))
    assert (statuses[waiting.pk], statuses[coming.pk], statuses[past.pk]) == ("withdrawn", "withdrawn", "approved")
    assert services.permits_withdraw_for_exit(resident=applicant, actor=daily_staff) == ""


def test_decisions_are_audited(applicant, daily_staff):
    created = services.permit_approve(permit=apply(applicant), actor=daily_staff)
    events = Permit.pgh_event_model.objects.filter(pgh_obj_id=created.pk).order_by("pgh_id")
    assert [(e.status, e.pgh_context.metadata["action"]) for e in events] == [
        ("requested", "spaces.permit_apply"), ("approved", "spaces.permit_approve")]
