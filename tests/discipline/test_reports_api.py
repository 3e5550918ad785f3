"""GET /api/v1/discipline-report/?month=2026-11 (discipline/api/reports.py): the monthly report as JSON,
staff of the daily management team, the administrator and oversight only, in the OpenAPI schema."""

from datetime import date, timedelta

import pytest
from rest_framework.test import APIClient

from discipline.services import cases as services
from tests.discipline.support.ladders import (  # noqa: F401 (fixtures)
    other_fixture,
    staff_fixture,
    tenant_fixture,
)
from tests.discipline.test_reports_selectors import november  # noqa: F401 (fixture)
from tests.residents.support.lifecycle import on_day

pytestmark = pytest.mark.django_db

URL = "/api/v1/discipline-report/"


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_daily_team_reads_the_month(daily_staff, november):  # noqa: F811
    with on_day(date(2026, 11, 30), hour=12):
        response = api_for(daily_staff).get(URL, {"month": "2026-11"})

    assert response.status_code == 200
    data = response.json()
    assert data["month"] == "2026-11"
    assert [line["kind"] for line in data["kinds"]] == ["2b", "4c", "5b", "7"]
    two_b = data["kinds"][0]
    assert two_b["label"] == "2b 污染环境（空间管理违规）"
    assert two_b["by_status"]["annulled"] == 1 and two_b["by_status"]["found"] == 0 and two_b["total"] == 2
    assert data["total"]["total"] == 6
    assert (data["fines_issued_count"], data["fines_issued"]) == (1, "100.00")
    assert (data["fines_paid_count"], data["fines_paid"]) == (2, "100.00")
    assert data["suspensions"] == 1 and data["suspensions_by_scope"]["public_spaces"] == 1
    assert data["forced_exits"] == 1
    assert data["appeals"] == {"submitted": 3, "upheld": 1, "dismissed": 1, "pending": 1, "on_time": 1, "late": 1,
                               "overdue": 1}


@pytest.mark.parametrize("who", ["administrator", "oversight"])
def test_the_administrator_and_oversight_read_it_too(request, who):
    assert api_for(request.getfixturevalue(who)).get(URL).status_code == 200


@pytest.mark.parametrize("who", ["resources_staff", "intake_staff", "resident_a", "outsider"])
def test_everyone_else_is_refused(request, who):
    assert api_for(request.getfixturevalue(who)).get(URL).status_code == 403


def test_anonymous_is_refused(db):
    assert APIClient().get(URL).status_code in (401, 403)


def test_it_is_read_only(oversight, daily_staff):
    assert api_for(oversight).post(URL, {}).status_code == 405
    assert api_for(daily_staff).delete(URL).status_code == 405


def test_a_bad_month_is_a_400_naming_the_field(daily_staff):
    response = api_for(daily_staff).get(URL, {"month": "2026-13"})
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "month" and "2026-10" in body["detail"]


@pytest.mark.parametrize("count", [1, 20])
def test_a_fixed_number_of_queries(daily_staff, tenant, django_assert_num_queries, count):
    with on_day(date(2026, 11, 20)):
        for index in range(count):
            services.case_open(resident=tenant, kind=("2b", "5b")[index % 2],
                               occurred_on=date(2026, 11, 1) + timedelta(days=index % 19), facts="事实", actor=None)
    client = APIClient()
    client.force_login(daily_staff)
    # 1 session, 2 user, 3 the user's groups (role check), 4–10 the report: rulebook, cases by kind and status,
    # fine invoices, payments on fines, suspensions by scope, forced exits, appeals
    with django_assert_num_queries(10):
        response = client.get(URL, {"month": "2026-11"})
    assert response.json()["total"]["total"] == count


def test_the_endpoint_is_in_the_openapi_schema(openapi_schema):
    schema = openapi_schema
    operation = schema["paths"]["/api/v1/discipline-report/"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} == {"month"}
    response = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert response["$ref"].endswith("/DisciplineReport")
    report = schema["components"]["schemas"]["DisciplineReport"]["properties"]
    assert {"kinds", "fines_issued", "fines_paid", "suspensions", "forced_exits", "appeals"} <= set(report)
