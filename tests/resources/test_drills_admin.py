"""Drills in the operations desk (resources/admin/drills.py): planning and the after-action report by the daily
management team, the resources team and the administrator; other teams refused; the list's queries fixed."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from resources.models import SafetyDrill
from resources.services import drills as services
from spaces.models import SafetyWorkItem
from tests.resources.support import NOW, at

pytestmark = pytest.mark.django_db

LIST = "/admin/resources/safetydrill/"
PLAN = "/admin/resources/safetydrill/plan/"


def _form(**overrides):
    starts = NOW + timedelta(days=5)
    return {"apply": "1", "title": "消防疏散演练", "drill_type": "fire_drill", "plan_kind": "fire",
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"), "ends_at": (starts + timedelta(hours=1)).strftime(
                "%Y-%m-%dT%H:%M"), "place": "1F 大堂", "capacity": "60", "description": "", **overrides}


def test_the_url_names():
    assert reverse("admin:resources_safetydrill_changelist") == LIST
    assert reverse("admin:resources_safetydrill_plan") == PLAN


@pytest.mark.parametrize("who", ["daily_staff", "resources_staff", "administrator"])
def test_the_organisers_plan_a_drill_and_report_on_it(request, client_for, who):
    client = client_for(request.getfixturevalue(who))
    assert PLAN in client.get(LIST).content.decode()
    assert client.post(PLAN, _form()).status_code == 302
    drill = SafetyDrill.objects.get()
    assert drill.activity.counts_for_attendance is False
    report = reverse("admin:resources_safetydrill_report", args=[drill.pk])
    with at(drill.activity.ends_at + timedelta(hours=1)):
        assert report in client.get(reverse("admin:resources_safetydrill_change", args=[drill.pk])).content.decode()
        assert client.post(report, {"apply": "1", "report": "有序", "findings": "灯不亮\n门卡住"}).status_code == 302
    assert SafetyWorkItem.objects.count() == 2


def test_a_bad_plan_comes_back_with_the_message(client_for, daily_staff):
    response = client_for(daily_staff).post(PLAN, _form(starts_at=(NOW - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")))
    assert response.status_code == 200 and not SafetyDrill.objects.exists()


@pytest.mark.parametrize("who", ["intake_staff", "oversight"])
def test_other_teams_do_not_plan(request, client_for, who):
    client = client_for(request.getfixturevalue(who))
    assert client.post(PLAN, _form()).status_code == 403
    assert not SafetyDrill.objects.exists()


def test_oversight_reads_the_list(client_for, oversight, daily_staff):
    services.drill_plan(title="演练", drill_type="fire_drill", starts_at=NOW + timedelta(days=1),
                        ends_at=NOW + timedelta(days=1, hours=1), place="大堂", capacity=10, actor=daily_staff)
    html = client_for(oversight).get(LIST).content.decode()
    assert "演练" in html and PLAN not in html


def test_the_list_keeps_its_queries(client_for, daily_staff):
    client = client_for(daily_staff)

    def add(n):
        services.drill_plan(title=f"演练{n}", drill_type="safety_training", starts_at=NOW + timedelta(days=n + 1),
                            ends_at=NOW + timedelta(days=n + 1, hours=1), place="大堂", capacity=10, actor=daily_staff)

    add(0)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for n in range(1, 6):
        add(n)
    with CaptureQueriesContext(connection) as many:
        assert "演练5" in client.get(LIST).content.decode()
    assert len(many) == len(few)
