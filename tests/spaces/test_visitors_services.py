"""Visitor services (第四章第一条，第七章第二条): register, the host's answer (or the front desk's by
phone, recorded), admit only after confirmation, sign out, cancel — every transition and refusal."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from opc_community.core.errors import DomainError, InvalidTransition
from opc_community.portal.models import Notification
from residents.models import ResidentStatus
from spaces.models import Visitor, VisitorStatus
from spaces.services import visitors as services
from tests.spaces.support.desks import in_hours, member, sh

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


@pytest.fixture
def host(resident_a):
    return member(resident_a, name="张三")


@pytest.fixture
def other(resident_b):
    return member(resident_b, name="欧阳娜娜")


def register(host, staff, **kwargs):
    values = {"name": "李四", "phone": PHONE, "host": host, "purpose": "商务洽谈", "expected_at": in_hours(1),
              **kwargs}
    return services.visitor_register(actor=staff, **values)


def confirmed(host, staff):
    return services.visitor_confirm(visitor=register(host, staff), actor=host.user)


# --- Registration ---------------------------------------------------------------------------------


def test_the_front_desk_registers_and_the_host_is_asked_with_a_masked_number(host, daily_staff):
    visitor = register(host, daily_staff, phone="138 1234 5678")

    assert (visitor.status, visitor.phone, visitor.registered_by) == (VisitorStatus.AWAITING_HOST, PHONE, daily_staff)
    note = Notification.objects.get(recipient=host.user)
    assert "李四" in note.title
    assert "138****5678" in note.body and PHONE not in note.body
    assert "第四章第一条" in note.body
    assert note.link == "/portal/spaces/visitors/"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": "  "}, "name", "请填写"),
        ({"purpose": ""}, "purpose", "请填写"),
        ({"phone": "12345"}, "phone", "11 位"),
        ({"expected_at": None}, "expected_at", "已过去"),
    ],
)
def test_bad_registrations_are_refused_and_nothing_is_written(host, daily_staff, change, field, message):
    with pytest.raises(DomainError, match=message) as refused:
        register(host, daily_staff, **change)
    assert refused.value.field == field
    assert not Visitor.objects.exists()


def test_a_visitor_cannot_be_expected_on_a_past_day(host, daily_staff):
    with time_machine.travel(sh(2026, 10, 8, 9, 0), tick=False):
        with pytest.raises(DomainError, match="已过去"):
            register(host, daily_staff, expected_at=sh(2026, 10, 7, 18, 0))
        # earlier today is fine: a walk-in registered after the fact
        assert register(host, daily_staff, expected_at=sh(2026, 10, 8, 8, 0)).pk


@pytest.mark.parametrize("status", [ResidentStatus.ONBOARDING, ResidentStatus.EXITED])
def test_the_host_must_be_checked_in(daily_staff, status):
    from tests.residents.factories import ResidentFactory

    extra = {"exited_on": timezone.localdate(), "retain_until": timezone.localdate()} if status == "exited" else {}
    with pytest.raises(DomainError, match="已入驻") as refused:
        register(ResidentFactory(status=status, **extra), daily_staff)
    assert refused.value.field == "host"


@pytest.mark.parametrize("who", ["resources_staff", "oversight", "intake_staff", "resident_b"])
def test_only_the_front_desk_registers(host, request, who):
    with pytest.raises(DomainError, match="日常管理组"):
        register(host, request.getfixturevalue(who))


def test_the_administrator_may_work_the_front_desk(host, administrator):
    assert register(host, administrator).registered_by == administrator


# --- The host's answer ------------------------------------------------------------------------------


def test_the_host_confirms_and_the_front_desk_is_told(host, daily_staff):
    visitor = services.visitor_confirm(visitor=register(host, daily_staff), actor=host.user)

    assert (visitor.status, visitor.confirmed_by, visitor.confirmed_by_phone) == (
        VisitorStatus.CONFIRMED, host.user, False)
    assert visitor.confirmed_at is not None
    assert Notification.objects.filter(recipient=daily_staff, title__contains="确认").exists()


def test_the_host_refuses_with_a_reason(host, daily_staff):
    visitor = services.visitor_refuse(visitor=register(host, daily_staff), actor=host.user, reason="不认识此人")

    assert (visitor.status, visitor.confirmed_by, visitor.note) == (VisitorStatus.REFUSED, host.user, "不认识此人")


@pytest.mark.parametrize("answer", [services.visitor_confirm, services.visitor_refuse])
def test_another_resident_cannot_answer(host, other, daily_staff, answer):
    visitor = register(host, daily_staff)
    with pytest.raises(DomainError, match="只有被访"):
        answer(visitor=visitor, actor=other.user)
    visitor.refresh_from_db()
    assert visitor.status == VisitorStatus.AWAITING_HOST


def test_staff_answer_only_by_phone_and_it_is_recorded(host, daily_staff):
    visitor = register(host, daily_staff)
    with pytest.raises(DomainError, match="只有被访"):
        services.visitor_confirm(visitor=visitor, actor=daily_staff)  # not by phone: not the host

    visitor = services.visitor_confirm(visitor=visitor, actor=daily_staff, by_phone=True)

    assert (visitor.status, visitor.confirmed_by, visitor.confirmed_by_phone) == (
        VisitorStatus.CONFIRMED, daily_staff, True)
    told = Notification.objects.get(recipient=host.user, kind="spaces.visitor_answered_by_phone")
    assert "钱日常" in told.body


@pytest.mark.parametrize("who", ["resident_a", "oversight", "resources_staff"])
def test_only_the_front_desk_answers_by_phone(host, daily_staff, request, who):
    with pytest.raises(DomainError, match="前台"):
        services.visitor_confirm(visitor=register(host, daily_staff), actor=request.getfixturevalue(who),
                                 by_phone=True)


def test_a_visit_is_answered_once(host, daily_staff):
    visitor = confirmed(host, daily_staff)
    with pytest.raises(InvalidTransition, match="已答复"):
        services.visitor_refuse(visitor=visitor, actor=host.user)
    with pytest.raises(InvalidTransition):
        services.visitor_confirm(visitor=visitor, actor=host.user)


# --- Admission and sign-out ---------------------------------------------------------------------------


def test_a_visitor_awaiting_the_host_is_not_admitted(host, daily_staff):
    visitor = register(host, daily_staff)

    with pytest.raises(InvalidTransition, match="被访入驻主体尚未确认") as refused:
        services.visitor_admit(visitor=visitor, actor=daily_staff)

    assert "第四章第一条" in str(refused.value.message)
    visitor.refresh_from_db()
    assert (visitor.status, visitor.admitted_at) == (VisitorStatus.AWAITING_HOST, None)


@pytest.mark.parametrize("answer", ["refuse", "cancel"])
def test_a_refused_or_cancelled_visitor_is_not_admitted(host, daily_staff, answer):
    visitor = register(host, daily_staff)
    if answer == "refuse":
        services.visitor_refuse(visitor=visitor, actor=host.user)
    else:
        services.visitor_cancel(visitor=visitor, actor=daily_staff)
    with pytest.raises(InvalidTransition, match="只有经被访入驻主体确认"):
        services.visitor_admit(visitor=visitor, actor=daily_staff)


def test_admit_then_sign_out(host, daily_staff):
    visitor = services.visitor_admit(visitor=confirmed(host, daily_staff), actor=daily_staff)
    assert visitor.status == VisitorStatus.ADMITTED and visitor.admitted_at is not None

    visitor = services.visitor_sign_out(visitor=visitor, actor=daily_staff)
    assert visitor.status == VisitorStatus.SIGNED_OUT and visitor.signed_out_at >= visitor.admitted_at

    with pytest.raises(InvalidTransition):
        services.visitor_sign_out(visitor=visitor, actor=daily_staff)
    with pytest.raises(InvalidTransition):
        services.visitor_cancel(visitor=visitor, actor=daily_staff)


def test_a_visitor_not_admitted_cannot_sign_out(host, daily_staff):
    with pytest.raises(InvalidTransition):
        services.visitor_sign_out(visitor=confirmed(host, daily_staff), actor=daily_staff)


@pytest.mark.parametrize("step", [services.visitor_admit, services.visitor_sign_out, services.visitor_cancel])
@pytest.mark.parametrize("who", ["resident_a", "oversight", "resources_staff"])
def test_only_the_front_desk_admits_signs_out_and_cancels(host, daily_staff, request, step, who):
    visitor = confirmed(host, daily_staff)
    with pytest.raises(DomainError, match="日常管理组"):
        step(visitor=visitor, actor=request.getfixturevalue(who))


def test_cancelling_tells_the_host(host, daily_staff):
    visitor = services.visitor_cancel(visitor=confirmed(host, daily_staff), actor=daily_staff, reason="访客未到")

    assert (visitor.status, visitor.note) == (VisitorStatus.CANCELLED, "访客未到")
    assert Notification.objects.filter(recipient=host.user, kind="spaces.visitor_cancelled").exists()


def test_every_transition_is_in_the_audit_trail(host, daily_staff):
    visitor = services.visitor_admit(visitor=confirmed(host, daily_staff), actor=daily_staff)
    services.visitor_sign_out(visitor=visitor, actor=daily_staff)

    events = list(Visitor.pgh_event_model.objects.filter(pgh_obj_id=visitor.pk).order_by("pgh_id"))
    assert [e.status for e in events] == ["awaiting_host", "confirmed", "admitted", "signed_out"]
    actions = [e.pgh_context.metadata.get("action") for e in events]
    assert actions == ["spaces.visitor_register", "spaces.visitor_confirm", "spaces.visitor_admit",
                       "spaces.visitor_sign_out"]


def test_exit_cancels_visits_still_to_come(host, daily_staff):
    waiting, coming = register(host, daily_staff), confirmed(host, daily_staff)
    done = services.visitor_sign_out(
        visitor=services.visitor_admit(visitor=confirmed(host, daily_staff), actor=daily_staff), actor=daily_staff)

    note = services.visitors_cancel_for_exit(resident=host, actor=daily_staff)

    assert "2" in note
    statuses = dict(Visitor.objects.values_list("pk", "status"))
    assert (statuses[waiting.pk], statuses[coming.pk], statuses[done.pk]) == ("cancelled", "cancelled", "signed_out")
    assert services.visitors_cancel_for_exit(resident=host, actor=daily_staff) == ""


def test_shown_phone_is_full_only_for_the_front_desk(host, daily_staff, administrator, oversight, resident_a):
    visitor = register(host, daily_staff, expected_at=timezone.now() + timedelta(minutes=5))
    assert services.shown_phone(visitor, daily_staff) == PHONE
    assert services.shown_phone(visitor, administrator) == PHONE
    assert services.shown_phone(visitor, oversight) == "138****5678"
    assert services.shown_phone(visitor, resident_a) == "138****5678"
