"""The safety API (第七章; spaces/api/safety.py): staff read the register, work items, incidents and supplies;
anyone logged in reports an incident and reads only their own; everyone reads the plans in force; filters,
permissions, queries and the OpenAPI schema."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from spaces.models import Incident, SafetyWorkItem
from tests.spaces.support.emergency import fire_plan, supply
from tests.spaces.support.safety import NOW, FireEquipmentFactory, IncidentFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def api_for():
    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def test_staff_read_the_register_with_its_due_state_and_filters(api_for, daily_staff):
    FireEquipmentFactory(code="XF-LATE", last_inspected_on=date(2026, 9, 1))
    FireEquipmentFactory(code="XF-OK", equipment_type="hydrant", location="2F 西侧")
    client = api_for(daily_staff)
    rows = {row["code"]: row for row in client.get(BASE + "safety-equipment/").json()["results"]}
    assert rows["XF-LATE"]["overdue"] is True and rows["XF-OK"]["overdue"] is False
    assert [r["code"] for r in client.get(BASE + "safety-equipment/", {"equipment_type": "hydrant"}).json()["results"]] \
        == ["XF-OK"]
    assert [r["code"] for r in client.get(BASE + "safety-equipment/", {"location": "西侧"}).json()["results"]] \
        == ["XF-OK"]
    assert client.get(BASE + "safety-equipment/", {"status": "nonsense"}).status_code == 400


@pytest.mark.parametrize("path", ["safety-equipment/", "safety-work-items/", "safety-supplies/"])
def test_residents_and_other_teams_do_not_read_the_staff_lists(api_for, resident_a, intake_staff, path):
    assert api_for(resident_a).get(BASE + path).status_code == 403
    assert api_for(intake_staff).get(BASE + path).status_code == 403
    assert APIClient().get(BASE + path).status_code in (401, 403)


def test_work_items_filter_by_status(api_for, daily_staff):
    SafetyWorkItem.objects.create(title="门禁损坏", opened_by=daily_staff)
    SafetyWorkItem.objects.create(title="已修好", opened_by=daily_staff, status="closed", closed_at=NOW,
                                  closing_note="换新", evidence="safety/x.jpg")
    rows = api_for(daily_staff).get(BASE + "safety-work-items/", {"status": "open"}).json()["results"]
    assert [row["title"] for row in rows] == ["门禁损坏"]


def test_a_resident_reports_an_incident_and_reads_only_its_own(api_for, resident_a, resident_b, daily_staff):
    IncidentFactory(reported_by=resident_b, description="别人的报告", number="安〔2025〕0001号")
    client = api_for(resident_a)
    created = client.post(BASE + "safety-incidents/", {"category": "hazard", "place": "3F 安全出口",
                                                       "occurred_at": NOW.isoformat(), "description": "纸箱堵门"},
                          format="json")
    assert created.status_code == 201 and created.json()["number"].startswith("安〔2026〕")
    mine = client.get(BASE + "safety-incidents/").json()["results"]
    assert [row["description"] for row in mine] == ["纸箱堵门"]
    theirs = Incident.objects.get(reported_by=resident_b)
    assert client.get(f"{BASE}safety-incidents/{theirs.pk}/").status_code == 404
    assert len(api_for(daily_staff).get(BASE + "safety-incidents/").json()["results"]) == 2


def test_a_bad_report_is_a_400_in_chinese(api_for, resident_a):
    bad = api_for(resident_a).post(BASE + "safety-incidents/", {"category": "hazard", "place": "门口",
                                                               "occurred_at": (NOW + timedelta(days=1)).isoformat(),
                                                               "description": "x"}, format="json")
    assert bad.status_code == 400 and "现在" in str(bad.json())
    missing = api_for(resident_a).post(BASE + "safety-incidents/", {}, format="json")
    assert missing.status_code == 400 and "category" in missing.json()


def test_oversight_reads_but_does_not_report(api_for, oversight):
    client = api_for(oversight)
    assert client.get(BASE + "safety-incidents/").status_code == 200
    assert client.post(BASE + "safety-incidents/", {"category": "hazard", "place": "门口",
                                                    "occurred_at": NOW.isoformat(), "description": "x"},
                       format="json").status_code == 403


def test_incidents_filter_by_category_and_severity(api_for, daily_staff):
    IncidentFactory(category="theft", status="in_progress", severity="major")
    IncidentFactory(category="fight")
    client = api_for(daily_staff)
    assert [r["category"] for r in client.get(BASE + "safety-incidents/", {"category": "theft"}).json()["results"]] \
        == ["theft"]
    assert len(client.get(BASE + "safety-incidents/", {"severity": "major"}).json()["results"]) == 1


def test_everyone_reads_the_plans_in_force_staff_every_version(api_for, resident_a, daily_staff):
    fire_plan(daily_staff, superseded_at=NOW)
    fire_plan(daily_staff, version=2)
    rows = api_for(resident_a).get(BASE + "safety-plans/", {"current": "false"}).json()["results"]
    assert [row["version"] for row in rows] == [2]
    assert rows[0]["procedures"][1] == "拨打 119"
    assert [r["version"] for r in api_for(daily_staff).get(BASE + "safety-plans/", {"current": "false"})
            .json()["results"]] == [2, 1]


def test_supplies_carry_their_expiry(api_for, daily_staff):
    supply(name="急救包", expires_on=NOW.date())
    supply(name="面罩", expires_on=date(2030, 1, 1))
    rows = {r["name"]: r["expiry"] for r in api_for(daily_staff).get(BASE + "safety-supplies/").json()["results"]}
    assert rows == {"急救包": "expired", "面罩": None}


@pytest.mark.parametrize("path", ["safety-equipment/", "safety-incidents/", "safety-supplies/", "safety-work-items/"])
def test_the_lists_keep_their_queries(api_for, daily_staff, path):
    client = api_for(daily_staff)

    def arrange(n):
        FireEquipmentFactory()
        IncidentFactory()
        supply(name=f"物资{n}")
        SafetyWorkItem.objects.create(title=f"工单{n}", opened_by=daily_staff)

    arrange(0)
    client.get(BASE + path)  # the first request also loads the user's permissions
    with CaptureQueriesContext(connection) as few:
        assert client.get(BASE + path).status_code == 200
    for n in range(1, 6):
        arrange(n)
    with CaptureQueriesContext(connection) as many:
        client.get(BASE + path)
    assert len(many) == len(few)


def test_the_openapi_schema_lists_the_safety_endpoints(openapi_schema):
    paths = openapi_schema["paths"]
    for path in ("safety-equipment", "safety-work-items", "safety-incidents", "safety-plans", "safety-supplies"):
        assert f"/api/v1/{path}/" in paths
    assert "post" in paths["/api/v1/safety-incidents/"]
