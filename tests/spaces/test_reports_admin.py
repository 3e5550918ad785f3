"""The occupancy report in the operations desk (spaces/admin/reports.py): who may see it, the SVG
charts and the table carry the numbers, the Excel export, fixed query counts.

The figures are those of the hand-made fortnight in test_reports_selectors.py (weeks 46 and 47
of 2026): meeting rooms 5.0 of 196.0 hours used in week 46 (2.6 %), no-show rate 20.0 %.
"""

from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from spaces.models import BookingStatus
from tests.residents.factories import ResidentFactory
from tests.spaces.test_reports_selectors import at, book, fortnight, rooms  # noqa: F401 (fixtures)

URL = "/admin/spaces/occupancyreport/"
EXPORT = "/admin/spaces/occupancyreport/export/"
FORTNIGHT = "?from=2026-11-09&to=2026-11-22"


def test_the_url_names():
    assert reverse("admin:spaces_occupancyreport_changelist") == URL
    assert reverse("admin:spaces_occupancyreport_export") == EXPORT


@pytest.mark.parametrize("who", ["daily_staff", "administrator", "oversight"])
def test_the_daily_team_the_administrator_and_oversight_see_the_report(request, client_for, fortnight, who):  # noqa: F811
    # Given a member of a team that may read the report
    client = client_for(request.getfixturevalue(who))

    # when it opens the report on the fortnight
    response = client.get(URL + FORTNIGHT)

    # then the page has both charts with their titles, and the table with the same numbers
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<svg class=\"occupancy-chart\"") == 2
    assert 'role="img"' in html and "<title id=\"utilisation-title\">" in html and "<title id=\"no-show-title\">" in html
    assert ">2.6<" in html  # the week-46 meeting-room bar's label
    assert "2.6%" in html  # … and the same figure in the table
    assert "196.0" in html and "20.0%" in html
    assert "2026-W46" in html and "2026-W47" in html
    # the rule behind the figures, with its article
    assert "08:00–22:00" in html and "第四章第一条" in html
    # read-only: nothing to add or change
    assert "/admin/spaces/occupancyreport/add/" not in html


def test_the_admin_index_links_to_the_report_for_those_who_may_see_it(client_for, daily_staff, resources_staff):
    assert URL in client_for(daily_staff).get("/admin/").content.decode()
    assert URL not in client_for(resources_staff).get("/admin/").content.decode()


@pytest.mark.parametrize("who", ["resources_staff", "intake_staff"])
def test_other_staff_teams_are_refused(request, client_for, who):
    client = client_for(request.getfixturevalue(who))
    assert client.get(URL).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_residents_and_anonymous_users_are_sent_to_the_staff_login(client, client_for, resident_a):
    for response in (client.get(URL), client_for(resident_a).get(URL), client_for(resident_a).get(EXPORT)):
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_the_report_is_read_only(client_for, oversight, daily_staff):
    assert client_for(oversight).post(URL + FORTNIGHT).status_code == 405
    assert client_for(daily_staff).post(EXPORT + FORTNIGHT).status_code == 405
    assert client_for(daily_staff).get(URL + "add/").status_code == 404


def test_the_default_period_is_shown_in_the_filters(client_for, daily_staff, db):
    html = client_for(daily_staff).get(URL).content.decode()
    assert 'name="from"' in html and 'name="to"' in html
    assert 'value="20' in html  # the default dates are filled in


def test_a_bad_period_shows_the_error_and_no_report(client_for, daily_staff, db):
    response = client_for(daily_staff).get(URL + "?from=2026-11-22&to=2026-11-09")
    html = response.content.decode()
    assert response.status_code == 200
    assert "截止日不能早于起始日" in html
    assert "occupancy-chart\"" not in html
    # the export of a bad period shows the same page instead of a file
    response = client_for(daily_staff).get(EXPORT + "?from=2026-11-22&to=2026-11-09")
    assert response["Content-Type"].startswith("text/html")


def test_one_room_type(client_for, daily_staff, fortnight):  # noqa: F811
    html = client_for(daily_staff).get(URL + FORTNIGHT + "&room_type=roadshow_hall").content.decode()
    assert "3.1%" in html  # the hall's week 46
    assert "2.6%" not in html  # no meeting rooms


def test_the_excel_export_has_the_same_rows(client_for, daily_staff, fortnight):  # noqa: F811
    response = client_for(daily_staff).get(EXPORT + FORTNIGHT)

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="occupancy-20261109-20261122.xlsx"'
    book_ = load_workbook(BytesIO(response.content))
    weekly, by_type = book_.worksheets
    rows = list(weekly.iter_rows(values_only=True))
    header, lines = rows[0], rows[1:]
    assert header[0] == "ISO 周" and "使用率" in header and "爽约率" in header
    assert len(lines) == 2 * 4  # two weeks × (three room types + all types)
    meeting = lines[0]
    column = {name: index for index, name in enumerate(header)}
    assert meeting[column["ISO 周"]] == "2026-W46"
    assert meeting[column["场地类型"]] == "会议室"
    assert meeting[column["可用小时数"]] == 196
    assert meeting[column["已使用小时数（已签到）"]] == 5
    assert meeting[column["使用率"]] == pytest.approx(0.026)
    assert meeting[column["爽约率"]] == pytest.approx(0.2)
    assert weekly.cell(row=2, column=column["使用率"] + 1).number_format == "0.00%"
    totals = list(by_type.iter_rows(values_only=True))
    assert len(totals) == 1 + 3 + 1  # header, three room types, all types
    assert totals[-1][0] == "全部场地类型"


#: The page: 1 session, 2 user, 3–4 the user's and its groups' permissions (has_view_permission),
#: 5 rulebook versions, 6 rooms, 7 bookings grouped by room, week and status (the report),
#: 8 the user's role groups and 9 the holiday calendar (the operations desk's warning banner).
PAGE_QUERIES = 9
#: The export: the same without the banner.
EXPORT_QUERIES = 7


@pytest.mark.parametrize("count", [1, 30])
def test_the_page_and_the_export_take_a_fixed_number_of_queries(
    client_for, daily_staff, rooms, django_assert_num_queries, count  # noqa: F811
):
    client = client_for(daily_staff)
    resident = ResidentFactory()
    for n in range(count):
        book((rooms["m1"], rooms["m2"], rooms["hall"])[n % 3], resident, at(9 + n % 12, 8) + timedelta(hours=n // 12),
             30, BookingStatus.RELEASED if n % 5 == 4 else BookingStatus.CHECKED_IN)
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(URL + FORTNIGHT).status_code == 200
    with django_assert_num_queries(EXPORT_QUERIES):
        assert client.get(EXPORT + FORTNIGHT).status_code == 200
