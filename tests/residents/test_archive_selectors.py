"""The archive (档案, 第三章第五条; RULEBOOK §4.7): everything in time order, one query per source table."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from residents.models import (
    Agreement,
    Application,
    ApplicationDocument,
    ApplicationStatus,
    ApplicationTransition,
    ClearanceItem,
    DocumentKind,
    Exit,
    PaymentMethod,
    Resident,
    ResidentStatus,
)
from residents.selectors import archive
from residents.services import ledger
from residents.services import lifecycle as services
from tests.residents.support.lifecycle import REMINDER_DAY, charge, on_day, pay_deposit
from tests.spaces.factories import BookingFactory, RoomFactory

pytestmark = pytest.mark.django_db

#: One query per source table, whatever the number of rows (see residents/selectors/archive.py):
#: resident+application, materials, review transitions, agreements, invoices (with balances), payments,
#: deposit entries, acknowledgements, renewals, exits, clearances, bans, audit trail ×2 (resident, application),
#: the rulebook version in force (retention years); then the registered sections: violations (discipline),
#: rewards (discipline), progress reports and scores (scoring, two), desk assignments and requests (spaces, two),
#: equipment loans (spaces), room bookings (spaces), voucher applications and ledger entries (resources, two),
#: activity registrations and attendance (resources, two), scenario interests (resources), sharing posts and
#: matches (resources, two), policy help requests (resources), service requests (resources).
ARCHIVE_QUERIES = 32


def furnish(resident, staff, *, invoices: int = 1) -> None:
    """Give the resident a bit of everything §4.7 lists."""
    application = resident.application
    ApplicationDocument.objects.create(
        application=application, kind=DocumentKind.PROJECT_PLAN, file="applications/x/plan", original_name="计划书.pdf",
        content_type="application/pdf", size=1000, sha256="0" * 64, uploaded_by=resident.user,
    )
    ApplicationTransition.objects.create(application=application, actor=staff, from_status=ApplicationStatus.EVALUATED,
                                         to_status=ApplicationStatus.APPROVED, reason="符合社区方向")
    with on_day(date(2026, 11, 20)):
        pay_deposit(resident, "2000.00", on=date(2026, 11, 20), actor=staff)
        for month in range(invoices):
            invoice = charge(resident, "800.00", due_on=date(2026, 11, 25), issued_on=date(2026, 11, 20),
                             actor=staff, description=f"第 {month + 1} 期费用")
            ledger.payment_record(invoice=invoice, amount=Decimal("800.00"), paid_on=date(2026, 11, 20),
                                  method=PaymentMethod.BANK_TRANSFER, actor=staff)
    with on_day(REMINDER_DAY):
        renewal = services.renewal_request(resident=resident, actor=resident.user)
        services.renewal_refuse(renewal=renewal, reason="项目方向调整", actor=staff)


def test_the_archive_lists_everything_in_time_order(member_a, administrator):
    furnish(member_a, administrator)
    with on_day(date(2027, 3, 5)):
        services.force_exit(resident=member_a, reason="严重违规", ban_years=3, actor=administrator)

    result = archive.resident_archive(member_a)

    assert [e.at for e in result.entries] == sorted(e.at for e in result.entries)
    sections = {e.section for e in result.entries}
    assert {"application", "review", "agreement", "invoice", "payment", "deposit", "orientation", "renewal",
            "exit", "ban"} <= sections
    titles = " ".join(e.title for e in result.entries)
    material = next(e for e in result.entries if e.title.startswith("上传材料"))
    assert material.link == reverse("residents:application_document",
                                    args=[member_a.application.documents.get().pk])
    assert "申请续签协议" in titles and "续约申请：未通过" in titles
    assert sum(1 for e in result.entries if e.title.startswith("已完成")) == len(ClearanceItem.values)
    assert any("不得再次申请" in e.title for e in result.entries)
    # The sections other apps register, in their order, empty for this resident.
    assert [(key, rows) for key, _label, rows in result.sections] == [
        ("violation", []), ("reward", []), ("score", []), ("desk", []), ("equipment", []), ("booking", []),
        ("voucher", []), ("activity", []), ("scenario", []), ("sharing", []), ("policy", []), ("service", []),
    ]
    # The audit trail of the resident's rows and the application's rows.
    records = {row.record.split(" #")[0] for row in result.audit}
    assert len({(row.at, row.record, row.action) for row in result.audit}) == len(result.audit)  # no event twice
    assert {str(model._meta.verbose_name) for model in (Resident, Agreement, Exit, Application)} <= records
    assert result.resident.status == ResidentStatus.EXITED
    assert result.deposit_held == 0
    # Identity numbers are masked.
    assert result.id_number_masked.startswith(member_a.application.id_number[:4]) and "*" in result.id_number_masked
    assert member_a.application.id_number not in result.id_number_masked


@pytest.mark.parametrize("invoices", [1, 10])
def test_the_archive_takes_a_fixed_number_of_queries(django_assert_num_queries, member_a, administrator, invoices):
    furnish(member_a, administrator, invoices=invoices)
    with django_assert_num_queries(ARCHIVE_QUERIES):
        result = archive.resident_archive(member_a)
    assert result.counts["invoice"] == invoices
    assert result.counts["payment"] == invoices


def test_another_residents_records_stay_out(member_a, member_b, administrator):
    furnish(member_b, administrator)
    result = archive.resident_archive(member_a)
    assert "invoice" not in {e.section for e in result.entries}
    assert all("欧阳娜娜" not in e.title for e in result.entries)


@pytest.mark.parametrize(
    ("status", "retain_until", "passed"),
    [
        (ResidentStatus.ACTIVE, None, False),
        (ResidentStatus.EXITED, date(2029, 11, 26), False),
        (ResidentStatus.EXITED, date(2026, 11, 26), False),  # the last day kept
        (ResidentStatus.EXITED, date(2026, 11, 25), True),
    ],
)
def test_retention_passed(member_a, status, retain_until, passed):
    member_a.status, member_a.retain_until = status, retain_until
    assert archive.retention_passed(member_a, today=date(2026, 11, 26)) is passed


def test_the_archive_reads_as_sentences(member_a, administrator):
    """Bookings on the day booked for ("预约 路演厅 09:00–11:00：…"), audit rows as sentences with the fields'
    names and the choices' labels, not raw column values."""
    starts = datetime(2026, 9, 14, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    BookingFactory(resident=member_a, room=RoomFactory(name="路演厅"), starts_at=starts,
                   ends_at=starts + timedelta(hours=2), purpose="产品路演")
    with on_day(date(2026, 11, 2)):
        services.force_exit(resident=member_a, reason="严重违规", ban_years=1, actor=administrator)

    result = archive.resident_archive(member_a)

    bookings = {key: rows for key, _label, rows in result.sections}["booking"]
    assert [(row.at, row.title) for row in bookings] == [(starts, "预约 路演厅 09:00–11:00：产品路演")]
    status_change = next(row for row in result.audit if row.record.startswith(str(Resident._meta.verbose_name))
                         and any(name == "状态" for name, _before, _after in row.changes))
    assert "状态 已入驻 → " in status_change.sentence and "status" not in status_change.sentence
