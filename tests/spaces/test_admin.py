"""The desk register in the operations desk: desks by floor and zone with their occupant, a fixed
number of queries, and releasing a desk through the service."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from spaces import services
from spaces.models import Desk, DeskAssignment
from tests.residents.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def _desks(n: int, start: int = 0) -> list[Desk]:
    return [Desk.objects.create(code=f"A-{i:03d}", floor="3F", zone="A 区") for i in range(start, start + n)]


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
