"""The desk register's services: assign at check-in, release at exit, one open assignment per desk and
per resident (database constraints turned into clear conflicts); change requests asked by the resident and
approved (the move in one transaction) or refused by the daily management team; each desk's history."""

import pytest
from django.utils import timezone

from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.portal.models import Notification
from spaces.models import Desk, DeskAssignment, DeskChangeRequest, RequestStatus
from spaces.selectors import desks as selectors
from spaces.services import desks as services
from tests.residents.factories import ResidentFactory
from tests.spaces.factories import DeskFactory
from tests.spaces.support.desks import member, seat

pytestmark = pytest.mark.django_db



def test_assigning_a_free_desk(daily_staff):
    resident, chosen = ResidentFactory(), DeskFactory(code="A-1")

    assignment = services.desk_assign(resident=resident, desk=chosen, actor=daily_staff, note="check-in")

    assert (assignment.desk, assignment.resident, assignment.assigned_by, assignment.ends_at) == (
        chosen, resident, daily_staff, None)
    assert selectors.current_desk_assignment(resident) == assignment
    assert chosen not in selectors.free_desks()


def test_a_taken_desk_is_a_conflict_not_an_error_page(daily_staff):
    taken = DeskFactory(code="A-1")
    services.desk_assign(resident=ResidentFactory(), desk=taken, actor=daily_staff)

    with pytest.raises(ConflictError, match="工位 A-1 已分配给其他入驻主体") as refused:
        services.desk_assign(resident=ResidentFactory(), desk=taken, actor=daily_staff)

    assert refused.value.field == "desk"
    assert DeskAssignment.objects.count() == 1


def test_a_resident_holds_one_desk(daily_staff):
    resident = ResidentFactory(name="张三")
    services.desk_assign(resident=resident, desk=DeskFactory(code="A-1"), actor=daily_staff)

    with pytest.raises(ConflictError, match="张三 已有工位") as refused:
        services.desk_assign(resident=resident, desk=DeskFactory(code="A-2"), actor=daily_staff)
    assert refused.value.field == "resident"


def test_an_out_of_use_desk_is_refused(daily_staff):
    with pytest.raises(DomainError, match="工位 X-1 已停用"):
        services.desk_assign(resident=ResidentFactory(), desk=DeskFactory(code="X-1", is_active=False),
                             actor=daily_staff)


def test_releasing_frees_the_desk_and_is_safe_twice(daily_staff):
    resident, chosen = ResidentFactory(), DeskFactory(code="A-1")
    services.desk_assign(resident=resident, desk=chosen, actor=daily_staff)

    released = services.desk_release(resident=resident, actor=daily_staff, note="exit")
    again = services.desk_release(resident=resident, actor=daily_staff)

    assert released.ends_at <= timezone.now()
    assert (released.released_by, again) == (daily_staff, None)
    assert released.note.endswith("exit")
    assert chosen in selectors.free_desks()
    services.desk_assign(resident=ResidentFactory(), desk=chosen, actor=daily_staff)  # reusable


def test_free_desks_and_occupants_in_one_query(daily_staff, django_assert_num_queries):
    occupied, free = DeskFactory(code="A-1", floor="1F"), DeskFactory(code="A-2", floor="1F")
    broken = DeskFactory(code="A-3", is_active=False)
    services.desk_assign(resident=ResidentFactory(name="张三"), desk=occupied, actor=daily_staff)

    with django_assert_num_queries(1):
        assert list(selectors.free_desks()) == [free]
    with django_assert_num_queries(1):
        rows = {d.code: d.occupant_name for d in selectors.desks_with_occupant()}
    assert rows == {"A-1": "张三", "A-2": None, "A-3": None}
    assert broken not in selectors.free_desks()


# --- Change requests (第四章第一条) -------------------------------------------------------------------

@pytest.fixture
def seated(resident_a, daily_staff):
    """Resident A, checked in at desk A-1."""
    resident = member(resident_a, name="张三")
    seat(resident, "A-1", daily_staff)
    return resident


def ask(resident, reason="靠窗太冷", preferred=None):
    return services.desk_request_create(resident=resident, reason=reason, preferred_desk=preferred,
                                        actor=resident.user)


def test_a_resident_asks_to_move_and_the_team_is_told(seated, daily_staff):
    wanted = DeskFactory(code="B-1")

    request = ask(seated, preferred=wanted)

    assert (request.status, request.current_desk.code, request.preferred_desk) == (
        RequestStatus.REQUESTED, "A-1", wanted)
    note = Notification.objects.get(recipient=daily_staff)
    assert "张三" in note.title and "A-1" in note.body and "B-1" in note.body
    assert note.link == f"/admin/spaces/deskchangerequest/{request.pk}/change/"


def test_one_open_request_at_a_time(seated):
    ask(seated)
    with pytest.raises(ConflictError, match="待审批的工位调整申请"):
        ask(seated, reason="again")
    assert DeskChangeRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("preferred", "message"),
    [("A-1", "已是您当前的工位"), ("taken", "已被占用"), ("broken", "已停用")],
)
def test_the_preferred_desk_must_be_free_in_use_and_another_one(seated, daily_staff, preferred, message):
    choice = {
        "A-1": lambda: Desk.objects.get(code="A-1"),
        "taken": lambda: seat(member(), "T-1", daily_staff).desk,
        "broken": lambda: DeskFactory(code="X-1", is_active=False),
    }[preferred]()
    with pytest.raises(DomainError, match=message) as refused:
        ask(seated, preferred=choice)
    assert refused.value.field == "preferred_desk"


def test_only_the_resident_itself_asks_and_only_after_check_in(seated, daily_staff, resident_b):
    with pytest.raises(DomainError, match="入驻主体本人"):
        services.desk_request_create(resident=seated, reason="x", actor=daily_staff)
    onboarding = ResidentFactory(user=resident_b, status="onboarding", checked_in_at=None)
    with pytest.raises(DomainError, match="办理入驻后"):
        services.desk_request_create(resident=onboarding, reason="x", actor=resident_b)
    with pytest.raises(DomainError, match="请填写") as refused:
        ask(seated, reason="  ")
    assert refused.value.field == "reason"


def test_approval_moves_the_resident_in_one_step_and_tells_it(seated, daily_staff):
    request = ask(seated, preferred=DeskFactory(code="B-1"))
    target = DeskFactory(code="C-1")  # the team chooses another desk than the preferred one

    request = services.desk_request_approve(request=request, desk=target, note="C 区更安静", actor=daily_staff)

    assert (request.status, request.assigned_desk, request.decided_by) == (RequestStatus.APPROVED, target, daily_staff)
    old, new = DeskAssignment.objects.filter(resident=seated).order_by("starts_at", "pk")
    assert (old.desk.code, old.released_by, new.desk, new.ends_at) == ("A-1", daily_staff, target, None)
    assert f"工位调整申请 {request.pk}" in new.note
    assert selectors.current_desk_assignment(seated).desk == target
    assert Desk.objects.get(code="A-1") in selectors.free_desks()
    told = Notification.objects.get(recipient=seated.user)
    assert "C-1" in told.title and "C 区更安静" in told.body


def test_approving_onto_a_taken_desk_changes_nothing(seated, daily_staff):
    request = ask(seated)
    taken = seat(member(), "T-1", daily_staff).desk

    with pytest.raises(ConflictError, match="工位 T-1 已分配给其他入驻主体"):
        services.desk_request_approve(request=request, desk=taken, actor=daily_staff)

    request.refresh_from_db()
    assert request.status == RequestStatus.REQUESTED
    assert selectors.current_desk_assignment(seated).desk.code == "A-1"  # the release rolled back
    assert not Notification.objects.filter(recipient=seated.user).exists()


def test_approving_onto_the_same_desk_or_twice_is_refused(seated, daily_staff):
    request = ask(seated)
    with pytest.raises(DomainError, match="当前已在工位 A-1"):
        services.desk_request_approve(request=request, desk=Desk.objects.get(code="A-1"), actor=daily_staff)
    services.desk_request_approve(request=request, desk=DeskFactory(code="B-1"), actor=daily_staff)
    with pytest.raises(InvalidTransition):
        services.desk_request_approve(request=request, desk=DeskFactory(code="B-2"), actor=daily_staff)
    with pytest.raises(InvalidTransition):
        services.desk_request_refuse(request=request, reason="x", actor=daily_staff)


def test_a_refusal_needs_a_reason_the_resident_reads(seated, daily_staff):
    request = ask(seated)
    with pytest.raises(DomainError, match="请填写"):
        services.desk_request_refuse(request=request, reason="", actor=daily_staff)

    request = services.desk_request_refuse(request=request, reason="暂无空闲工位", actor=daily_staff)

    assert (request.status, request.decision_reason) == (RequestStatus.REFUSED, "暂无空闲工位")
    assert selectors.current_desk_assignment(seated).desk.code == "A-1"
    assert "暂无空闲工位" in Notification.objects.get(recipient=seated.user).body


@pytest.mark.parametrize("who", ["resident_a", "oversight", "resources_staff", "intake_staff"])
def test_only_the_daily_team_or_the_administrator_decides(seated, request, who):
    change = ask(seated)
    actor = request.getfixturevalue(who)
    with pytest.raises(DomainError, match="日常管理组或运营负责人"):
        services.desk_request_approve(request=change, desk=DeskFactory(code="B-1"), actor=actor)
    with pytest.raises(DomainError, match="日常管理组或运营负责人"):
        services.desk_request_refuse(request=change, reason="x", actor=actor)


def test_the_administrator_decides_too(seated, administrator):
    approved = services.desk_request_approve(request=ask(seated), desk=DeskFactory(code="B-1"), actor=administrator)
    assert approved.status == "approved"


def test_the_resident_withdraws_its_open_request_only(seated, daily_staff, resident_b):
    request = ask(seated)
    with pytest.raises(DomainError, match="提出申请的入驻主体"):
        services.desk_request_withdraw(request=request, actor=resident_b)

    assert services.desk_request_withdraw(request=request, actor=seated.user).status == RequestStatus.WITHDRAWN
    with pytest.raises(InvalidTransition, match="只能撤回待审批"):
        services.desk_request_withdraw(request=request, actor=seated.user)
    assert ask(seated, reason="new").status == RequestStatus.REQUESTED  # a new one may follow


def test_history_of_a_desk_lists_its_assignments_and_requests(seated, daily_staff, django_assert_num_queries):
    first = Desk.objects.get(code="A-1")
    services.desk_request_approve(request=ask(seated), desk=DeskFactory(code="B-1"), actor=daily_staff)
    seat(member(name="李四"), "Z-9", daily_staff)
    services.desk_assign(resident=member(name="王五"), desk=first, actor=daily_staff)

    with django_assert_num_queries(2):  # assignments with resident and staff; requests naming the desk
        history = selectors.desk_history(first)
        names = [(a.resident.name, a.assigned_by.pk, a.ends_at is None) for a in history["assignments"]]

    assert names == [("王五", daily_staff.pk, True), ("张三", daily_staff.pk, False)]
    assert [r.current_desk.code for r in history["requests"]] == ["A-1"]


def test_the_exit_handler_withdraws_an_open_request(seated, daily_staff):
    request = ask(seated)
    assert services.desk_requests_close_for_exit(resident=seated, actor=daily_staff)
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    assert services.desk_requests_close_for_exit(resident=seated, actor=daily_staff) == ""


def test_requests_and_assignments_are_audited(seated, daily_staff):
    request = services.desk_request_approve(request=ask(seated), desk=DeskFactory(code="B-1"), actor=daily_staff)

    events = DeskChangeRequest.pgh_event_model.objects.filter(pgh_obj_id=request.pk).order_by("pgh_id")
    assert [(e.status, e.pgh_context.metadata["action"]) for e in events] == [
        ("requested", "spaces.desk_request_create"), ("approved", "spaces.desk_request_approve")]
    moves = DeskAssignment.pgh_event_model.objects.filter(pgh_context__metadata__action="spaces.desk_request_approve")
    assert moves.count() == 2  # the release and the new assignment, under the approval
