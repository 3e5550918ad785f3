"""From the no-show candidates (spaces; RULEBOOK §5: 3 no-shows in 30 days) to a "misuse of space" case
(2c, 第八章第二条): /portal/discipline/staff/no-show-case/<resident id>/ asks for confirmation, then
opens the case as "found" through ``case_open`` — once, however often it is clicked.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from discipline.models import CaseStatus, ViolationCase
from spaces.models import BookingStatus, Room
from tests.discipline.support.ladders import (  # noqa: F401 (fixtures)
    other_fixture,
    staff_fixture,
    tenant_fixture,
)
from tests.residents.support.lifecycle import on_day
from tests.spaces.factories import BookingFactory

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 26)


def no_shows(resident, count: int) -> None:
    room, _created = Room.objects.get_or_create(code="M1", defaults={
        "name": "会议室一", "room_type": "meeting_room", "floor": "3", "capacity": 8})
    for n in range(count):
        starts = datetime(2026, 11, 10 + n * 3, 10, 0, tzinfo=SH)
        BookingFactory(room=room, resident=resident, starts_at=starts, purpose="讨论", status=BookingStatus.RELEASED)


def url(resident) -> str:
    return reverse("discipline:no_show_case", args=[resident.pk])


def test_the_daily_team_confirms_then_the_case_opens_once(client_for, daily_staff, tenant):
    no_shows(tenant, 3)
    client = client_for(daily_staff)
    with on_day(TODAY):
        page = client.get(url(tenant))
        assert page.status_code == 200
        html = page.content.decode()
        assert "2c 违规使用空间" in html and "张三" in html
        assert "3" in page.context["facts"]

        response = client.post(url(tenant), {"facts": page.context["facts"]})
        again = client.post(url(tenant), {"facts": "再点一次"})

    case = ViolationCase.objects.get()
    assert (case.kind, case.status, case.resident, case.found_by) == ("2c", CaseStatus.FOUND, tenant, daily_staff)
    assert case.occurred_on == date(2026, 11, 16)  # the day of the latest no-show
    assert response.status_code == 302 and response.url == reverse(
        "admin:discipline_violationcase_change", args=[case.pk])
    assert again.status_code == 302  # the same case, not a second one


def test_a_resident_below_the_limit_is_not_a_candidate(client_for, daily_staff, tenant):
    no_shows(tenant, 2)
    with on_day(TODAY):
        assert client_for(daily_staff).get(url(tenant)).status_code == 404
        assert client_for(daily_staff).post(url(tenant)).status_code == 404
    assert not ViolationCase.objects.exists()


@pytest.mark.parametrize("who", ["oversight", "intake_staff", "resources_staff"])
def test_only_those_who_open_cases_may(request, client_for, tenant, who):
    no_shows(tenant, 3)
    with on_day(TODAY):
        assert client_for(request.getfixturevalue(who)).post(url(tenant)).status_code == 403
    assert not ViolationCase.objects.exists()


def test_residents_and_anonymous_go_to_the_staff_login(client, client_for, tenant):
    for response in (client.get(url(tenant)), client_for(tenant.user).get(url(tenant))):
        assert response.status_code == 302 and response.url.startswith("/admin/login/")


def test_other_methods_are_refused(client_for, daily_staff, tenant):
    assert client_for(daily_staff).put(url(tenant)).status_code == 405
