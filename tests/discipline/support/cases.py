"""Shared arrangements for the case, appeal and ledger tests: no tests here.

The clock stands at Monday 2026-10-12 10:00 Asia/Shanghai (after the National Day holidays;
2026-10-10 was an adjusted working Saturday). ``member_a`` / ``member_b`` are checked-in residents
with accepted agreements (tests/residents/conftest.py); each step of the 处罚流程 is reached through
the services, as staff would.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from discipline.services import cases as services
from opc_community.notices.services import publication_close
from residents.models import DepositEntryKind
from residents.services import ledger
from tests.factories import image_bytes
from tests.residents.conftest import member_a, member_b  # noqa: F401  (fixtures re-exported)

SH = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 10, 12)  # a Monday


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SH)


def on_day(day: date, hour: int = 10, minute: int = 0):
    return time_machine.travel(at(day, hour, minute), tick=False)


@pytest.fixture(autouse=False)
def today():
    """The clock at 2026-10-12 10:00 Asia/Shanghai, standing still."""
    with on_day(TODAY):
        yield TODAY


def evidence(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("png"), content_type="image/png")


def pdf_upload(name: str = "evidence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n%test\n", content_type="application/pdf")


def pay_deposit(resident, amount: str = "2000.00", *, actor, on: date = TODAY) -> None:
    ledger.deposit_record(resident=resident, kind=DepositEntryKind.PAID, amount=Decimal(amount), on=on, actor=actor)


def open_case(resident, actor, *, kind: str = "2b", occurred_on: date = TODAY, **kwargs):
    kwargs.setdefault("facts", "在公共区域丢弃垃圾，未按规定分类。")
    return services.case_open(resident=resident, kind=kind, occurred_on=occurred_on, actor=actor, **kwargs)


def to_notice(case, staff, **kwargs):
    services.case_verify(case=case, actor=staff, evidence=[evidence()])
    kwargs.setdefault("requirement", "立即清理并按规定分类投放。")
    return services.notice_issue(case=case, actor=staff, **kwargs)


def to_decided(case, staff, admin, **kwargs):
    to_notice(case, staff)
    case.refresh_from_db()
    measures = services.case_decide(case=case, actor=admin, **kwargs)
    case.refresh_from_db()
    return measures


def to_published(case, staff, admin, **kwargs):
    to_decided(case, staff, admin, **kwargs)
    publication = services.case_publish(case=case, actor=admin)
    case.refresh_from_db()
    return publication


def close(publication):
    """End the publication window (the hourly job's call), one second after its last second."""
    return publication_close(publication=publication, now=publication.window_ends_at + timedelta(seconds=1))


def confirmed_case(resident, staff, admin, **kwargs):
    decide = {k: kwargs.pop(k) for k in ("amounts", "chosen", "days", "until_paid_invoice") if k in kwargs}
    case = open_case(resident, staff, **kwargs)
    publication = to_published(case, staff, admin, **decide)
    close(publication)
    case.refresh_from_db()
    return case
