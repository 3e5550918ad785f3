"""The monthly discipline report (discipline.selectors.reports): what each figure counts, and its cost.

November 2026 is arranged through the real services: cases of several kinds and statuses, appeals
answered on time, late and not at all, a fine issued by a confirmed ladder case and paid, a
suspension and a forced exit; and a few things in October and December that must stay out.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest

from discipline.models import CaseStatus, Suspension, SuspensionScope
from discipline.selectors import reports
from discipline.services import appeals
from discipline.services import cases as services
from opc_community.core.errors import DomainError
from residents.models import PaymentMethod
from residents.services import ledger, lifecycle
from tests.discipline.support.ladders import (  # noqa: F401 (fixtures)
    SH,
    checked_in,
    close,
    day,
    fee,
    other_fixture,
    run,
    staff_fixture,
    tenant_fixture,
)
from tests.residents.support.lifecycle import on_day

pytestmark = pytest.mark.django_db

NOVEMBER = date(2026, 11, 1)


def published(resident, on: date, kind: str = "2b", occurred_on: date | None = None):
    with on_day(on):
        case = services.case_open(resident=resident, kind=kind, occurred_on=occurred_on or on, facts="事实",
                                  actor=None)
        return services.case_run_automatic(case=case)


def appeal(case, on: date, hour: int = 10):
    with on_day(on, hour=hour):
        return appeals.appeal_submit(case=case, resident=case.resident, reason="事实有误", actor=case.resident.user)


def answer(item, on: date, *, upheld: bool, actor):
    with on_day(on, hour=10):
        return appeals.appeal_decide(appeal=item, upheld=upheld, answer="经复核", actor=actor)


@pytest.fixture
def november(tenant, other, staff, outsider):
    """The month's events (see the module docstring)."""
    # Appeals: upheld on time, dismissed late, one still waiting past its deadline.
    on_time = appeal(published(tenant, date(2026, 11, 16)), date(2026, 11, 16))  # Mon: due Thu 19th
    answer(on_time, date(2026, 11, 18), upheld=True, actor=staff)
    late = appeal(published(other, date(2026, 11, 16)), date(2026, 11, 16))
    answer(late, date(2026, 11, 23), upheld=False, actor=staff)
    appeal(published(other, date(2026, 11, 23), kind="5b"), date(2026, 11, 23))  # due Thu 26th, unanswered
    # A dismissed case and a case still being verified.
    with on_day(date(2026, 11, 24)):
        found = services.case_open(resident=tenant, kind="4c", occurred_on=date(2026, 11, 24), facts="张贴广告",
                                   actor=None)
        services.case_dismiss(case=found, actor=None, reason="已获许可")
        services.case_open(resident=other, kind="4c", occurred_on=date(2026, 11, 24), facts="张贴广告", actor=None)
    # The overdue-fee ladder: day 8 (22 Nov) opens the fine, confirmed on the 26th, paid on the 27th.
    invoice = fee(tenant)
    run(day(8))
    close(date(2026, 11, 26))
    fine = tenant.invoices.get(kind="fine")
    with on_day(date(2026, 11, 27)):
        ledger.payment_record(invoice=fine, amount=Decimal("60.00"), paid_on=date(2026, 11, 27),
                              method=PaymentMethod.CASH, actor=staff)
        ledger.payment_record(invoice=fine, amount=Decimal("40.00"), paid_on=date(2026, 11, 27),
                              method=PaymentMethod.CASH, actor=staff)
    # A suspension and a forced exit in the month.
    Suspension.objects.create(resident=other, scope=SuspensionScope.PUBLIC_SPACES, reason="测试",
                              starts_at=datetime.combine(date(2026, 11, 25), time(9), tzinfo=SH),
                              ends_at=datetime.combine(date(2026, 12, 2), time(9), tzinfo=SH))
    third = checked_in(outsider, "李四")
    with on_day(date(2026, 11, 28)):
        lifecycle.force_exit(resident=third, reason="严重违规", ban_years=3, actor=staff)
    # Outside the month: a case of October and one of December.
    published(tenant, date(2026, 10, 30), kind="5b")
    published(tenant, date(2026, 12, 1), kind="5c")
    return {"invoice": invoice, "fine": fine}


def test_the_month_in_figures(november):
    with on_day(date(2026, 11, 30), hour=12):
        report = reports.monthly_report(NOVEMBER)

    lines = {line.code: line for line in report.kinds}
    assert list(lines) == ["2b", "4c", "5b", "7"]  # in the order of the penalty table
    assert lines["2b"].by_status == {CaseStatus.ANNULLED: 1, CaseStatus.CONFIRMED: 1}  # appeal dismissed, window over
    assert lines["2b"].label == "2b 污染环境（空间管理违规）"
    assert lines["4c"].by_status == {CaseStatus.DISMISSED: 1, CaseStatus.FOUND: 1}
    assert lines["5b"].by_status == {CaseStatus.PUBLISHED: 1}
    assert lines["7"].by_status == {CaseStatus.CONFIRMED: 1}
    assert report.total.total == 6
    assert report.total.groups == {"in_progress": 1, "penalties": 3, "set_aside": 2}

    assert (report.fines_issued_count, report.fines_issued) == (1, Decimal("100.00"))
    assert (report.fines_paid_count, report.fines_paid) == (2, Decimal("100.00"))
    assert report.suspensions == 1 and report.suspensions_by_scope[SuspensionScope.PUBLIC_SPACES] == 1
    assert report.forced_exits == 1
    assert report.appeals == reports.AppealFigures(
        submitted=3, upheld=1, dismissed=1, pending=1, on_time=1, late=1, overdue=1,
    )


def test_a_reversed_payment_nets_out_of_the_fines_paid(november, staff):
    payment = november["fine"].payments.order_by("id").first()
    with on_day(date(2026, 11, 29)):
        ledger.payment_reverse(payment=payment, reason="录入错误", actor=staff)
    report = reports.monthly_report(NOVEMBER, now=datetime.combine(date(2026, 11, 30), time(12), tzinfo=SH))
    assert (report.fines_paid_count, report.fines_paid) == (2, Decimal("40.00"))


def test_an_empty_month(db):
    report = reports.monthly_report(date(2026, 6, 1))
    assert report.kinds == [] and report.total.total == 0
    assert report.fines_issued == Decimal("0.00") and report.fines_paid == Decimal("0.00")
    assert report.appeals == reports.AppealFigures()


def test_the_month_follows_the_shanghai_calendar(tenant):
    # 1 Dec 00:30 in Shanghai is still 30 Nov in UTC: it belongs to December.
    with on_day(date(2026, 12, 1), hour=0):
        services.case_open(resident=tenant, kind="2b", occurred_on=date(2026, 11, 30), facts="事实", actor=None)
    assert reports.monthly_report(NOVEMBER).total.total == 0
    assert reports.monthly_report(date(2026, 12, 1)).total.total == 1


@pytest.mark.parametrize("count", [1, 20])
def test_seven_queries_whatever_the_number_of_cases(tenant, django_assert_num_queries, count):
    with on_day(date(2026, 11, 20)):
        for index in range(count):
            services.case_open(resident=tenant, kind=("2b", "5b", "4c")[index % 3],
                               occurred_on=date(2026, 11, 1) + timedelta(days=index % 19), facts="事实", actor=None)
    # 1 the rulebook (kind names), 2 cases grouped by kind and status, 3 fine invoices, 4 payments on fines,
    # 5 suspensions by scope, 6 forced exits, 7 appeals — every one an aggregate
    with django_assert_num_queries(7):
        report = reports.monthly_report(NOVEMBER)
    assert report.total.total == count


@pytest.mark.parametrize(("value", "month"), [("2026-10", date(2026, 10, 1)), ("2026-1", date(2026, 1, 1)),
                                              (" 2027-12 ", date(2027, 12, 1))])
def test_months_are_read_as_year_and_month(value, month):
    assert reports.parse_month(value) == month


@pytest.mark.parametrize("value", ["2026-13", "2026-00", "10/2026", "abc", "1999-01", "2026-10-01"])
def test_anything_else_is_refused_with_a_message_on_the_month(value):
    with pytest.raises(DomainError) as error:
        reports.parse_month(value)
    assert error.value.field == "month"


def test_no_month_means_this_month():
    assert reports.parse_month("", today=date(2026, 11, 26)) == NOVEMBER
