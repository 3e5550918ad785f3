"""The desk register's services: assign at check-in, release at exit, one open assignment per desk and
per resident (database constraints turned into clear conflicts)."""

import pytest
from django.utils import timezone

from opc_community.core.errors import ConflictError, DomainError
from spaces import selectors, services
from spaces.models import Desk, DeskAssignment
from tests.residents.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def desk(code: str, **kwargs) -> Desk:
    return Desk.objects.create(code=code, floor=kwargs.pop("floor", "3F"), zone=kwargs.pop("zone", "A 区"), **kwargs)


def test_assigning_a_free_desk(daily_staff):
    resident, chosen = ResidentFactory(), desk("A-1")

    assignment = services.desk_assign(resident=resident, desk=chosen, actor=daily_staff, note="check-in")

    assert (assignment.desk, assignment.resident, assignment.assigned_by, assignment.ends_at) == (
        chosen, resident, daily_staff, None)
    assert selectors.current_desk_assignment(resident) == assignment
    assert chosen not in selectors.free_desks()


def test_a_taken_desk_is_a_conflict_not_an_error_page(daily_staff):
    taken = desk("A-1")
    services.desk_assign(resident=ResidentFactory(), desk=taken, actor=daily_staff)

    with pytest.raises(ConflictError, match="工位 A-1 已分配给其他入驻主体") as refused:
        services.desk_assign(resident=ResidentFactory(), desk=taken, actor=daily_staff)

    assert refused.value.field == "desk"
    assert DeskAssignment.objects.count() == 1


def test_a_resident_holds_one_desk(daily_staff):
    resident = ResidentFactory(name="张三")
    services.desk_assign(resident=resident, desk=desk("A-1"), actor=daily_staff)

    with pytest.raises(ConflictError, match="张三 已有工位") as refused:
        services.desk_assign(resident=resident, desk=desk("A-2"), actor=daily_staff)
    assert refused.value.field == "resident"


def test_an_out_of_use_desk_is_refused(daily_staff):
    with pytest.raises(DomainError, match="工位 X-1 已停用"):
        services.desk_assign(resident=ResidentFactory(), desk=desk("X-1", is_active=False), actor=daily_staff)


def test_releasing_frees_the_desk_and_is_safe_twice(daily_staff):
    resident, chosen = ResidentFactory(), desk("A-1")
    services.desk_assign(resident=resident, desk=chosen, actor=daily_staff)

    released = services.desk_release(resident=resident, actor=daily_staff, note="exit")
    again = services.desk_release(resident=resident, actor=daily_staff)

    assert released.ends_at <= timezone.now()
    assert (released.released_by, again) == (daily_staff, None)
    assert released.note.endswith("exit")
    assert chosen in selectors.free_desks()
    services.desk_assign(resident=ResidentFactory(), desk=chosen, actor=daily_staff)  # reusable


def test_free_desks_and_occupants_in_one_query(daily_staff, django_assert_num_queries):
    occupied, free, broken = desk("A-1", floor="1F"), desk("A-2", floor="1F"), desk("A-3", is_active=False)
    services.desk_assign(resident=ResidentFactory(name="张三"), desk=occupied, actor=daily_staff)

    with django_assert_num_queries(1):
        assert list(selectors.free_desks()) == [free]
    with django_assert_num_queries(1):
        rows = {d.code: d.occupant_name for d in selectors.desks_with_occupant()}
    assert rows == {"A-1": "张三", "A-2": None, "A-3": None}
    assert broken not in selectors.free_desks()
