"""The staff safety dashboard and the yearly safety report (第七章; spaces/admin/safety_dashboard.py): who may
open them, what the page counts, a fixed number of queries, and the Excel workbook's sheets and figures."""

from datetime import date, timedelta
from io import BytesIO

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from spaces.models import DutyShift, Incident, Inspection, SafetyWorkItem
from spaces.selectors import safety as selectors
from tests.spaces.support.safety import NOW, FireEquipmentFactory, IncidentFactory

pytestmark = pytest.mark.django_db

URL = "/admin/spaces/safetydashboard/"
REPORT = "/admin/spaces/safetydashboard/report/2026/"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def arranged(daily_staff):
    """Three items in use (one overdue, one expiring), a defect work item open and one closed, a month's
    inspections, four incidents (one serious closed, one major open, one general open, one untriaged),
    and a shift of this morning with a missing round."""
    fine = FireEquipmentFactory(code="XF-OK")
    late = FireEquipmentFactory(code="XF-LATE", last_inspected_on=date(2026, 9, 1))
    FireEquipmentFactory(code="XF-EXP", expires_on=date(2026, 12, 1))
    FireEquipmentFactory(code="XF-OLD", status="retired", last_inspected_on=date(2025, 1, 1))
    Inspection.objects.create(equipment=fine, round_month=date(2026, 11, 1), inspected_on=date(2026, 11, 1),
                              result="pass", inspected_by=daily_staff)
    defect = Inspection.objects.create(equipment=late, round_month=date(2026, 10, 1), inspected_on=date(2026, 10, 3),
                                       result="defect", note="压力不足", photo="safety/inspection/a.jpg",
                                       inspected_by=daily_staff)
    SafetyWorkItem.objects.create(equipment=late, inspection=defect, title="XF-LATE 压力不足", opened_by=daily_staff)
    SafetyWorkItem.objects.create(equipment=fine, title="XF-OK 箱门损坏", opened_by=daily_staff, status="closed",
                                  closed_at=NOW + timedelta(days=3), closed_by=daily_staff, closing_note="已更换箱门",
                                  evidence="safety/safetyworkitem/b.jpg")
    IncidentFactory(status="closed", severity="serious", triaged_at=NOW + timedelta(minutes=30),
                    respond_by=NOW + timedelta(minutes=90), closed_at=NOW + timedelta(hours=2, minutes=30),
                    outcome="已处理")
    theft = IncidentFactory(status="in_progress", severity="major", triaged_at=NOW - timedelta(hours=6),
                            respond_by=NOW - timedelta(hours=2), category="theft")
    Incident.objects.filter(pk=theft.pk).update(reported_at=NOW - timedelta(hours=12))
    IncidentFactory(status="in_progress", severity="general", triaged_at=NOW, respond_by=NOW + timedelta(days=1))
    IncidentFactory(category="fight")
    DutyShift.objects.create(on_duty=daily_staff, starts_at=NOW - timedelta(hours=5), ends_at=NOW + timedelta(hours=3))
    return late


def test_the_url_names():
    assert reverse("admin:spaces_safetydashboard_changelist") == URL
    assert reverse("admin:spaces_safetydashboard_report", args=[2026]) == REPORT


def test_the_dashboard_counts_what_needs_attention(arranged):
    board = selectors.dashboard(now=NOW)
    assert [item.title for item in board.open_work_items] == ["XF-LATE 压力不足"]
    assert [item.code for item in board.overdue] == ["XF-LATE"]  # the retired item is never counted
    assert [item.code for item in board.expiring] == ["XF-EXP"]
    assert dict(board.incidents_by_severity) == {"": 1, "serious": 0, "major": 1, "general": 1}
    assert board.open_incidents == 3
    assert len(board.shifts_missing_rounds) == 1 and len(board.shifts_missing_rounds[0].gaps) == 1
    assert (board.drills_held, board.drills_minimum, board.drills_short) == (0, 2, 2)


@pytest.mark.parametrize("who", ["daily_staff", "administrator", "oversight"])
def test_the_daily_team_the_administrator_and_oversight_see_the_dashboard(request, client_for, arranged, who):
    client = client_for(request.getfixturevalue(who))
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "XF-LATE 压力不足" in html and "XF-EXP" in html
    assert "0 / 2" in html  # drills this year against the rule's minimum
    assert REPORT in html
    assert client.get(REPORT).status_code == 200


def test_the_severity_counts_link_to_the_open_incidents_of_that_severity(client_for, daily_staff, arranged):
    client = client_for(daily_staff)
    html = client.get(URL).content.decode()
    link = "/admin/spaces/incident/?status__in=reported,in_progress&severity__exact=major"
    assert link in html
    listed = client.get(link)
    assert listed.status_code == 200
    assert [incident.category for incident in listed.context["cl"].result_list] == ["theft"]


def test_the_admin_index_links_to_the_dashboard_for_those_who_may_see_it(client_for, daily_staff, resources_staff):
    assert URL in client_for(daily_staff).get("/admin/").content.decode()
    assert URL not in client_for(resources_staff).get("/admin/").content.decode()


@pytest.mark.parametrize("who", ["resources_staff", "intake_staff"])
def test_other_staff_teams_are_refused(request, client_for, who):
    client = client_for(request.getfixturevalue(who))
    assert client.get(URL).status_code == 403
    assert client.get(REPORT).status_code == 403


def test_a_resident_never_reaches_it(client_for, resident_a):
    # the operations desk refuses anyone not staff: sent to the staff login, nothing shown
    client = client_for(resident_a)
    for response in (client.get(URL), client.get(REPORT)):
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_the_dashboard_is_read_only(client_for, daily_staff):
    client = client_for(daily_staff)
    assert client.post(URL).status_code == 405
    assert client.post(REPORT).status_code == 405
    assert client.get(URL + "add/").status_code == 404


def test_the_dashboard_keeps_a_fixed_number_of_queries(client_for, daily_staff, arranged,
                                                       django_assert_num_queries):
    with django_assert_num_queries(8):  # six of its own, two of the resources app's drill source
        selectors.dashboard(now=NOW)
    client = client_for(daily_staff)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for n in range(10):
        item = FireEquipmentFactory(code=f"LATE-{n}", last_inspected_on=date(2026, 8, 1))
        SafetyWorkItem.objects.create(equipment=item, title=f"缺陷 {n}", opened_by=daily_staff)
        IncidentFactory(status="in_progress", severity="major", triaged_at=NOW, respond_by=NOW)
        DutyShift.objects.create(on_duty=daily_staff, starts_at=NOW - timedelta(days=1, hours=n),
                                 ends_at=NOW - timedelta(hours=n))
    with CaptureQueriesContext(connection) as many:
        html = client.get(URL).content.decode()
    assert "LATE-9" in html
    assert len(many) == len(few)


def test_the_yearly_report_is_a_workbook_with_its_sheets_and_figures(client_for, administrator, arranged,
                                                                    django_assert_num_queries):
    with django_assert_num_queries(5):
        selectors.yearly_report(year=2026, now=NOW)
    response = client_for(administrator).get(REPORT)
    assert response.status_code == 200
    assert "safety-report-2026" in response["Content-Disposition"]
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["台账", "每月巡检", "缺陷整改", "安全事件"]

    register = book["台账"]
    assert register.max_row == 1 + 4  # the header, every item (the retired one too)
    codes = {row[0].value: row for row in register.iter_rows(min_row=2)}
    assert codes["XF-LATE"][8].value == "是"  # inspection overdue

    months = book["每月巡检"]
    assert months.max_row == 1 + 12
    assert [cell.value for cell in months[11]] == ["2026-10", 1, 0, 1]
    assert [cell.value for cell in months[12]] == ["2026-11", 1, 1, 0]

    defects = book["缺陷整改"]
    rows = {row[0].value: row for row in defects.iter_rows(min_row=2)}
    assert rows["XF-OK 箱门损坏"][6].value == 3  # days to close
    assert rows["XF-OK 箱门损坏"][8].value == "已更换箱门"
    assert rows["XF-LATE 压力不足"][5].value is None  # still open

    incidents = book["安全事件"]
    lines = {(row[0].value, row[1].value): [cell.value for cell in row[2:]] for row in incidents.iter_rows(min_row=2)}
    assert lines[("安全隐患", "情节严重")] == [1, 1, 1, 0.5, 2.0]  # closed an hour past its deadline
    assert lines[("盗窃", "较大")] == [1, 0, 1, 6.0, None]  # open past its deadline
    assert lines[("斗殴", "尚未分级")][:3] == [1, 0, 0]
