"""The monthly discipline report page and its Excel export (/portal/discipline/staff/report/…).

Staff of the daily management team, the administrator and oversight read it; other staff get 403;
residents and anonymous visitors are sent to the admin login; it only answers GET.
"""

from datetime import date, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook

from discipline.services import cases as services
from tests.discipline.support.ladders import (  # noqa: F401 (fixtures)
    other_fixture,
    staff_fixture,
    tenant_fixture,
)
from tests.discipline.test_reports_selectors import NOVEMBER, november, published  # noqa: F401 (fixture)
from tests.residents.support.lifecycle import on_day

pytestmark = pytest.mark.django_db

PAGE = "/portal/discipline/staff/report/"
EXPORT = "/portal/discipline/staff/report/export/"


def test_the_urls_are_named():
    from django.urls import reverse

    assert reverse("discipline:report") == PAGE
    assert reverse("discipline:report_export") == EXPORT


@pytest.mark.parametrize("who", ["daily_staff", "administrator", "oversight"])
def test_staff_read_the_month(request, client_for, november, who):  # noqa: F811
    with on_day(date(2026, 11, 30), hour=12):
        response = client_for(request.getfixturevalue(who)).get(PAGE, {"month": "2026-11"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "违规处理：月度报告" in html
    assert "2b 污染环境（空间管理违规）" in html
    assert 'role="img"' in html and "<title id=\"dr-chart-title\">" in html  # an accessible chart
    assert "¥100.00" in html  # fines issued and paid
    report = response.context["report"]
    assert report.total.total == 6 and report.appeals.overdue == 1
    assert response.context["previous_month"] == "2026-10" and response.context["next_month"] == "2026-12"
    assert "cdn" not in html.lower()


def test_an_empty_month_says_so(client_for, daily_staff):
    response = client_for(daily_staff).get(PAGE, {"month": "2026-06"})
    assert response.status_code == 200
    assert 'data-testid="report-empty"' in response.content.decode()


def test_a_bad_month_shows_this_month_and_says_why(client_for, daily_staff):
    with on_day(date(2026, 11, 26)):
        response = client_for(daily_staff).get(PAGE, {"month": "2026-13"})
    assert response.status_code == 200
    assert response.context["month"] == NOVEMBER
    assert "请按“年-月”填写月份" in response.content.decode()


@pytest.mark.parametrize("who", ["intake_staff", "resources_staff"])
def test_other_staff_are_refused(request, client_for, who):
    assert client_for(request.getfixturevalue(who)).get(PAGE).status_code == 403
    assert client_for(request.getfixturevalue(who)).get(EXPORT).status_code == 403


@pytest.mark.parametrize("who", ["resident_a", "outsider"])
def test_residents_and_people_without_a_role_go_to_the_staff_login(request, client_for, who):
    for url in (PAGE, EXPORT):
        response = client_for(request.getfixturevalue(who)).get(url)
        assert response.status_code == 302 and response.url.startswith("/admin/login/")


def test_anonymous_visitors_go_to_the_staff_login(client, db):
    for url in (PAGE, EXPORT):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/admin/login/")


def test_it_only_answers_get(client_for, daily_staff):
    assert client_for(daily_staff).post(PAGE).status_code == 405
    assert client_for(daily_staff).post(EXPORT).status_code == 405


def test_the_export_is_a_workbook_of_the_same_month(client_for, oversight, november):  # noqa: F811
    with on_day(date(2026, 11, 30), hour=12):
        response = client_for(oversight).get(EXPORT, {"month": "2026-11"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="discipline-2026-11.xlsx"' in response["Content-Disposition"]
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["按违规类型", "主要数据", "案件"]
    kinds = list(book["按违规类型"].iter_rows(values_only=True))
    assert kinds[0][0] == "违规类型" and kinds[0][-1] == "合计"
    assert [row[0].split(" ")[0] for row in kinds[1:]] == ["2b", "4c", "5b", "7", "全部类型"]
    assert kinds[-1][-1] == 6
    figures = {row[0]: (row[1], row[2]) for row in book["主要数据"].iter_rows(min_row=2, values_only=True)}
    assert figures["罚款金额合计"] == (None, 100)
    assert figures["已开案件"] == (6, None)
    cases = list(book["案件"].iter_rows(min_row=2, values_only=True))
    assert len(cases) == 6
    assert all(row[0].startswith("违〔2026〕") for row in cases)


@pytest.mark.parametrize("count", [1, 20])
def test_the_page_costs_the_same_for_1_or_20_cases(client_for, daily_staff, tenant, django_assert_num_queries,
                                                   count):
    with on_day(date(2026, 11, 20)):
        for index in range(count):
            services.case_open(resident=tenant, kind=("2b", "5b", "4c")[index % 3],
                               occurred_on=date(2026, 11, 1) + timedelta(days=index % 19), facts="事实", actor=None)
    client = client_for(daily_staff)
    # 1 session, 2 user, 3 the user's groups (role check), 4–10 the report (rulebook, cases by kind and
    # status, fine invoices, payments on fines, suspensions by scope, forced exits, appeals), 11–12 the
    # admin sidebar's permissions (user's, groups'), 13 the calendar warning (next year's schedule loaded?)
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(PAGE, {"month": "2026-11"})
    assert response.context["report"].total.total == count


PAGE_QUERIES = 13
