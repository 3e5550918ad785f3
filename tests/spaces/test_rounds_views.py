"""The rounds on a phone and in the operations desk (第四章第一条 3、4): the daily team logs a cleaning and the
closing round with an exception; others are refused; an exception's page opens a safety incident and refers
a violation case (discipline's step); lists keep a fixed number of queries."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from discipline.models import ViolationCase
from spaces.models import CleaningRound, ClosingRound, MissedRound, RoundException
from spaces.services import rounds as services
from tests.spaces.support.desks import member
from tests.spaces.support.rounds import log_full_day

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 17, 21, 0, tzinfo=SH)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_daily_team_logs_a_cleaning_on_the_phone(client_for, daily_staff, django_assert_max_num_queries):
    client = client_for(daily_staff)
    page = client.get(reverse("spaces:rounds_today"))
    assert page.status_code == 200 and "卫生间" in page.content.decode()
    response = client.post(reverse("spaces:cleaning_new"), {"area": "restrooms", "kind": "disinfection"})
    assert response.status_code == 302
    assert CleaningRound.objects.get().kind == "disinfection"
    refused = client.post(reverse("spaces:cleaning_new"), {"area": "attic", "kind": "cleaning"})
    assert refused.status_code == 400
    for n in range(10):
        services.cleaning_round_record(area="lobby", kind="cleaning", actor=daily_staff,
                                       done_at=NOW - timedelta(minutes=n))
    with django_assert_max_num_queries(14):
        client.get(reverse("spaces:rounds_today"))


def test_the_closing_round_is_recorded_with_an_exception(client_for, daily_staff):
    client = client_for(daily_staff)
    assert client.get(reverse("spaces:closing_new")).status_code == 200
    response = client.post(reverse("spaces:closing_new"), {
        "power_off": "on", "no_hazards": "on", "locks_place": "3F 东侧窗", "locks_finding": "窗未关，已关好"})
    assert response.status_code == 302
    closing = ClosingRound.objects.get()
    assert not closing.locked and closing.exceptions.get().place == "3F 东侧窗"
    assert "3F 东侧窗" in client.get(reverse("spaces:rounds_today")).content.decode()


def test_an_item_not_ticked_without_a_finding_comes_back(client_for, daily_staff):
    response = client_for(daily_staff).post(reverse("spaces:closing_new"), {"power_off": "on", "locked": "on"})
    assert response.status_code == 400 and not ClosingRound.objects.exists()


@pytest.mark.parametrize("who", ["resident_a", "resources_staff", "oversight"])
def test_others_cannot_log_rounds(request, client_for, who):
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("spaces:rounds_today")).status_code == 403
    assert client.post(reverse("spaces:cleaning_new"), {"area": "lobby", "kind": "cleaning"}).status_code == 403
    assert client.post(reverse("spaces:closing_new"), {"power_off": "on"}).status_code == 403
    assert not CleaningRound.objects.exists() and not ClosingRound.objects.exists()


def test_an_exception_opens_an_incident_and_a_case_from_its_page(client_for, daily_staff, administrator):
    closing = services.closing_round_record(actor=daily_staff, power_off=True, locked=True, no_hazards=False,
                                            exceptions=[{"item": "hazards", "place": "A-12", "description": "丁烷气罐"}])
    exception = closing.exceptions.get()
    client = client_for(administrator)
    page = client.get(reverse("admin:spaces_roundexception_change", args=[exception.pk])).content.decode()
    incident_url = reverse("admin:spaces_roundexception_incident", args=[exception.pk])
    more = reverse("admin:spaces_roundexception_more", args=[exception.pk, "violation_case"])
    assert incident_url in page and more in page
    assert client.post(incident_url, {"apply": "1"}).status_code == 302
    assert RoundException.objects.get().incident.category == "hazard"
    resident = member(name="张三")
    assert client.get(more).status_code == 200
    response = client.post(more, {"apply": "1", "resident": resident.pk, "kind": "6a", "facts": "存放易燃气体"})
    case = ViolationCase.objects.get()
    assert response.status_code == 302 and (case.kind, case.resident) == ("6a", resident)
    assert client.get(more).status_code == 403  # referred once


def test_other_teams_cannot_open_an_incident_from_an_exception(client_for, daily_staff, resources_staff):
    closing = services.closing_round_record(actor=daily_staff, power_off=False, locked=True, no_hazards=True,
                                            exceptions=[{"item": "power", "place": "会议室", "description": "空调未关"}])
    url = reverse("admin:spaces_roundexception_incident", args=[closing.exceptions.get().pk])
    assert client_for(resources_staff).post(url, {"apply": "1"}).status_code == 403


def test_the_logs_list_in_a_fixed_number_of_queries(client_for, daily_staff, django_assert_max_num_queries):
    for day in range(3):
        log_full_day(datetime(2026, 11, 14 + day, 8, 0, tzinfo=SH), daily_staff)
    MissedRound.objects.create(day=NOW.date() - timedelta(days=5), kind="closing", area="", expected=1, done=0)
    MissedRound.objects.create(day=NOW.date() - timedelta(days=5), kind="cleaning", area="lobby", expected=2, done=1)
    client = client_for(daily_staff)
    for name in ("cleaninground", "closinground", "roundexception", "missedround"):
        with django_assert_max_num_queries(16):
            response = client.get(reverse(f"admin:spaces_{name}_changelist"))
        assert response.status_code == 200, name
    assert "大堂与前台" in client.get(reverse("admin:spaces_missedround_changelist")).content.decode()


def test_the_missed_rounds_notice_opens_the_day_in_the_operations_desk(client_for, daily_staff):
    from opc_community.portal.models import Notification

    with time_machine.travel(datetime(2026, 11, 18, 7, 40, tzinfo=SH), tick=False):
        services.rounds_flag_missed(today=NOW.date() + timedelta(days=1))
    notice = Notification.objects.get(kind="spaces.rounds_missed", recipient=daily_staff)
    page = client_for(daily_staff).get(notice.link)
    assert page.status_code == 200 and "大堂与前台" in page.content.decode()
    assert MissedRound.objects.filter(day=NOW.date()).count() == 11
