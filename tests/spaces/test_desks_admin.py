"""The desk register in the operations desk: desks by floor and zone with their occupant, a fixed
number of queries, and releasing a desk through the service."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from spaces.models import Desk, DeskAssignment
from spaces.services import desks as services
from tests.residents.factories import ResidentFactory
from tests.spaces.factories import DeskFactory

pytestmark = pytest.mark.django_db


def _desks(n: int, start: int = 0) -> list[Desk]:
    return [DeskFactory(code=f"A-{i:03d}") for i in range(start, start + n)]


def _list_queries(client, **params) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("admin:spaces_desk_changelist"), params)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_the_desk_list_shows_the_occupant_at_a_fixed_cost(client_for, daily_staff):
    client = client_for(daily_staff)
    [first] = _desks(1)
    services.desk_assign(resident=ResidentFactory(name="张三"), desk=first, actor=daily_staff)
    one, page = _list_queries(client)
    assert "张三" in page

    for d in _desks(8, start=1)[:4]:
        services.desk_assign(resident=ResidentFactory(), desk=d, actor=daily_staff)
    many, _page = _list_queries(client)

    assert one == many


def test_the_occupied_filter(client_for, daily_staff):
    taken, free = _desks(2)
    services.desk_assign(resident=ResidentFactory(), desk=taken, actor=daily_staff)

    _count, page = _list_queries(client_for(daily_staff), occupied="no")

    assert free.code in page and taken.code not in page


def test_the_daily_team_adds_desks_and_oversight_only_reads(client_for, daily_staff, oversight):
    response = client_for(daily_staff).post(reverse("admin:spaces_desk_add"),
                                            {"code": "B-1", "floor": "4F", "zone": "B 区", "is_active": "on"})
    assert response.status_code == 302
    assert Desk.objects.filter(code="B-1").exists()
    assert client_for(oversight).get(reverse("admin:spaces_desk_add")).status_code == 403


def test_an_assigned_desk_cannot_be_deleted(client_for, administrator, daily_staff):
    [used] = _desks(1)
    services.desk_assign(resident=ResidentFactory(), desk=used, actor=daily_staff)

    assert client_for(administrator).get(reverse("admin:spaces_desk_delete", args=[used.pk])).status_code == 403


def test_releasing_from_the_assignment_list(client_for, daily_staff):
    [used] = _desks(1)
    assignment = services.desk_assign(resident=ResidentFactory(), desk=used, actor=daily_staff)

    client_for(daily_staff).post(reverse("admin:spaces_deskassignment_changelist"),
                                 {"action": "release", "_selected_action": [assignment.pk]})

    assignment.refresh_from_db()
    assert assignment.released_by == daily_staff
    assert not DeskAssignment.objects.filter(ends_at__isnull=True).exists()


# --- Change requests and each desk's history ----------------------------------------------------------

REQUESTS = reverse("admin:spaces_deskchangerequest_changelist")


def _ask(resident, reason="想换位置", preferred=None):
    return services.desk_request_create(resident=resident, reason=reason, preferred_desk=preferred,
                                        actor=resident.user)


def _member_at(code, daily_staff, name="张三"):
    from tests.spaces.support.desks import member, seat

    resident = member(name=name)
    seat(resident, code, daily_staff)
    return resident


def test_the_request_list_and_bulk_approval_choosing_each_desk(client_for, daily_staff):
    first, second = _member_at("A-1", daily_staff, "张三"), _member_at("A-2", daily_staff, "李四")
    [free_1, free_2] = _desks(2, start=10)
    one, two = _ask(first, preferred=free_1), _ask(second)
    client = client_for(daily_staff)
    assert "想换位置" in client.get(reverse("admin:spaces_deskchangerequest_change", args=[one.pk])).content.decode()

    form = client.post(REQUESTS, {"action": "approve", "_selected_action": [one.pk, two.pk]})
    assert form.status_code == 200
    assert f'name="r{one.pk}-desk"' in form.content.decode()

    done = client.post(REQUESTS, {"action": "approve", "_selected_action": [one.pk, two.pk], "apply": "1",
                                  f"r{one.pk}-desk": free_1.pk, f"r{two.pk}-desk": free_2.pk,
                                  f"r{two.pk}-note": "B 区"}, follow=True)

    assert "已批准" in done.content.decode()
    assert DeskAssignment.objects.get(resident=first, ends_at__isnull=True).desk == free_1
    assert DeskAssignment.objects.get(resident=second, ends_at__isnull=True).desk == free_2


def test_a_taken_desk_at_approval_is_a_clear_message_not_an_error(client_for, daily_staff):
    first, second = _member_at("A-1", daily_staff, "张三"), _member_at("A-2", daily_staff, "李四")
    [free] = _desks(1, start=10)
    one, two = _ask(first), _ask(second)
    client = client_for(daily_staff)

    response = client.post(REQUESTS, {"action": "approve", "_selected_action": [one.pk, two.pk], "apply": "1",
                                      f"r{one.pk}-desk": free.pk, f"r{two.pk}-desk": free.pk}, follow=True)

    page = response.content.decode()
    assert response.status_code == 200
    assert f"工位 {free.code} 已分配给其他入驻主体" in page
    assert DeskAssignment.objects.filter(desk=free, ends_at__isnull=True).count() == 1


def test_refusing_from_a_requests_page_asks_for_a_reason(client_for, daily_staff):
    change = _ask(_member_at("A-1", daily_staff))
    client = client_for(daily_staff)
    page = client.get(reverse("admin:spaces_deskchangerequest_change", args=[change.pk])).content.decode()
    refuse = reverse("admin:spaces_deskchangerequest_decide", args=[change.pk, "refuse"])
    assert refuse in page

    assert client.post(refuse, {"apply": "1", "reason": ""}).status_code == 200  # the form again
    response = client.post(refuse, {"apply": "1", "reason": "暂无空闲工位"})

    assert response.status_code == 302
    change.refresh_from_db()
    assert (change.status, change.decision_reason) == ("refused", "暂无空闲工位")


def test_oversight_reads_requests_but_cannot_decide(client_for, daily_staff, oversight, resources_staff):
    change = _ask(_member_at("A-1", daily_staff))
    client = client_for(oversight)

    page = client.get(REQUESTS).content.decode()
    assert "张三" in page and 'value="approve"' not in page
    assert client.get(reverse("admin:spaces_deskchangerequest_decide", args=[change.pk, "approve"])).status_code == 403
    assert client_for(resources_staff).get(REQUESTS).status_code == 403
    assert client.get(reverse("admin:spaces_deskchangerequest_add")).status_code == 403


def test_the_history_of_a_desk(client_for, daily_staff, django_assert_num_queries):
    resident = _member_at("A-1", daily_staff, "张三")
    first = Desk.objects.get(code="A-1")
    [other] = _desks(1, start=10)
    services.desk_request_approve(request=_ask(resident), desk=other, actor=daily_staff)
    services.desk_assign(resident=ResidentFactory(name="王五"), desk=first, actor=daily_staff)
    client = client_for(daily_staff)
    url = reverse("admin:spaces_desk_occupancy", args=[first.pk])
    assert url in client.get(reverse("admin:spaces_desk_changelist")).content.decode()

    page = client.get(url).content.decode()

    assert "张三" in page and "王五" in page and "想换位置" not in page  # assignments + requests naming it
    assert page.count("工位调整申请") >= 1
    assert client.get(reverse("admin:spaces_desk_occupancy", args=[999999])).status_code == 404
