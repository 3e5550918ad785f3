"""The intake funnel (第二章第二条1): conversion by the month an application was submitted and retention by
the month it happened, by source (portal / paper); three queries whatever the volume; the page, its chart
and its Excel export for the intake team only."""

from datetime import date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from residents.models import ApplicationStatus, Exit, RenewalRequest
from residents.selectors import funnel as selectors
from tests.residents.factories import AgreementFactory, ApplicationFactory, ResidentFactory

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=SH)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _paper(**kwargs):
    return {"entered_by": kwargs.pop("staff"), "paper_consent_by": "张三", "paper_consent_on": date(2026, 1, 1),
            "paper_consent_how": "纸质签字", **kwargs}


def _resident(submitted: datetime, *, checked_in: bool = True, signed: bool = True, paper_staff=None):
    extra = _paper(staff=paper_staff) if paper_staff else {}
    application = ApplicationFactory(status=ApplicationStatus.APPROVED, submitted_at=submitted, **extra)
    resident = ResidentFactory(user=application.applicant, application=application,
                               checked_in_at=submitted if checked_in else None)
    if signed:
        AgreementFactory(resident=resident)
        # a renewal's agreement: the application still counts once
        AgreementFactory(resident=resident, starts_on=date(2027, 4, 1), ends_on=date(2028, 3, 31))
    return resident


def _history(intake_staff):
    """March: 3 portal applications (1 rejected, 2 approved: both signed, one checked in) and 1 on paper
    (approved, signed, checked in); October: a renewal and two exits of March's residents."""
    march = datetime(2026, 3, 10, 9, 0, tzinfo=SH)
    ApplicationFactory(status=ApplicationStatus.REJECTED, submitted_at=march, decided_at=march,
                       decision_reason="方向不符")
    first = _resident(march)
    second = _resident(march, checked_in=False)
    third = _resident(march, paper_staff=intake_staff)
    agreement = first.agreements.first()
    RenewalRequest.objects.create(agreement=agreement, resident=first, status="approved",
                                  decided_at=datetime(2026, 10, 5, 9, 0, tzinfo=SH))
    for resident, kind in ((second, "voluntary"), (third, "forced")):
        Exit.objects.create(resident=resident, kind=kind, status="completed", requested_on=date(2026, 10, 1),
                            exit_on=date(2026, 10, 15), deposit_outcome="refund")


def test_conversion_and_retention_by_month_and_source(intake_staff, django_assert_num_queries):
    _history(intake_staff)
    with django_assert_num_queries(3):
        funnel = selectors.funnel(first=date(2025, 12, 1), last=date(2026, 11, 1))
    assert len(funnel.months) == 12 and funnel.months[0] == date(2025, 12, 1)
    march = {source: funnel.lines(source)[3] for source in ("", "portal", "paper")}
    assert march["portal"].month == date(2026, 3, 1)
    assert (march["portal"].applications, march["portal"].approved, march["portal"].signed,
            march["portal"].checked_in) == (3, 2, 2, 1)
    assert (march["paper"].applications, march["paper"].checked_in) == (1, 1)
    assert (march[""].applications, march[""].checked_in, march[""].conversion) == (4, 2, 50.0)
    october = funnel.lines("")[10]
    assert october.renewed == 1 and october.exits["voluntary"] == 1 and october.exits["forced"] == 1
    assert funnel.lines("paper")[10].exits["forced"] == 1 and funnel.lines("portal")[10].exits["forced"] == 0
    assert funnel.total[""].applications == 4 and funnel.total["paper"].exited == 1


def test_the_query_count_does_not_grow_with_the_volume(intake_staff, django_assert_num_queries):
    _history(intake_staff)
    for month in range(1, 11):
        _resident(datetime(2026, month, 3, 9, 0, tzinfo=SH))
    with django_assert_num_queries(3):
        selectors.funnel(first=date(2025, 12, 1), last=date(2026, 11, 1))


def test_month_range_crosses_the_year():
    assert selectors.month_range(date(2025, 11, 15), date(2026, 2, 1)) == [
        date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]


def test_the_intake_team_sees_the_page_chart_and_export(client_for, intake_staff, django_assert_max_num_queries):
    _history(intake_staff)
    client = client_for(intake_staff)
    url = reverse("admin:residents_intakefunnel_changelist")
    with django_assert_max_num_queries(12):
        page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "2026-03" in html
    assert client.get(url, {"source": "paper", "year": "2026"}).status_code == 200
    export = client.get(reverse("admin:residents_intakefunnel_export"), {"year": "2026"})
    assert export.status_code == 200
    book = load_workbook(BytesIO(export.content))
    assert len(book.sheetnames) == 3
    sheet = book[book.sheetnames[0]]
    march = [row for row in sheet.iter_rows(values_only=True) if row[0] == "2026-03"][0]
    assert march[1:5] == (4, 3, 3, 2)


@pytest.mark.parametrize("who", ["resources_staff", "resident_a"])
def test_others_cannot_read_the_funnel(client_for, request, who):
    client = client_for(request.getfixturevalue(who))
    response = client.get(reverse("admin:residents_intakefunnel_changelist"))
    assert response.status_code in (302, 403)
    assert client.get(reverse("admin:residents_intakefunnel_export")).status_code in (302, 403)
