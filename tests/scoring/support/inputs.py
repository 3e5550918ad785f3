"""Shared arrangements for the quarterly-input and sign-off tests (no tests here): quarters, members, files."""

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from scoring.models import InputStatus, PlanStatus, Quarter, QuarterInput, QuarterPlan
from tests.residents.factories import ResidentFactory, acknowledge_rules
from tests.scoring.factories import QuarterFactory, QuarterInputFactory

SH = ZoneInfo("Asia/Shanghai")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
#: Inside 2026 Q3's input period (its deadline is 2026-10-09).
DURING = datetime(2026, 9, 20, 10, 0, tzinfo=SH)
AFTER_DEADLINE = datetime(2026, 10, 10, 0, 0, 1, tzinfo=SH)


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def at(moment: datetime) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


def make_quarter(year: int = 2026, number: int = 3, due: date = date(2026, 10, 9), **fields) -> Quarter:
    return QuarterFactory(year=year, number=number, inputs_due_on=due, **fields)


APRIL = datetime(2026, 4, 1, 9, 0, tzinfo=SH)


def member(user=None, *, name: str | None = None, checked_in_at: datetime = APRIL, **fields):
    """A checked-in resident who acknowledged the rules (portal pages need both)."""
    extra = {"user": user} if user is not None else {}
    if name:
        extra["name"] = name
    resident = ResidentFactory(checked_in_at=checked_in_at, **extra, **fields)
    acknowledge_rules(resident)
    return resident


def numbers(done=4, revenue="100000") -> dict:
    """The results a resident files at quarter end."""
    return {"milestones_done": done, "revenue": revenue}


def plan_numbers(planned=4, target="100000", note="") -> dict:
    """The plan a resident files at the start of the quarter."""
    return {"milestones_planned": planned, "revenue_target": target, "note": note}


def stored_plan(quarter, resident, *, status=PlanStatus.ACCEPTED, planned=4, target="100000", **fields) -> QuarterPlan:
    return QuarterPlan.objects.create(quarter=quarter, resident=resident, status=status, milestones_planned=planned,
                                      revenue_target=Decimal(target), **fields)


def stored_input(quarter, resident, *, status=InputStatus.SUBMITTED, plan=PlanStatus.ACCEPTED, milestones_planned=4,
                 revenue_target="100000", **values) -> QuarterInput:
    """The resident's results and — unless ``plan`` is None — its plan in that status with the planned numbers."""
    if plan is not None:
        stored_plan(quarter, resident, status=plan, planned=milestones_planned, target=revenue_target)
    data = {**numbers(), **values}
    return QuarterInputFactory(
        quarter=quarter, resident=resident, status=status,
        milestones_done=data["milestones_done"], revenue=Decimal(data["revenue"]),
        **{key: value for key, value in values.items() if key not in numbers()},
    )


def pdf(name: str = "证书.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def fake_pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("report.pdf", b"MZ\x90\x00" + b"\x00" * 64, content_type="application/pdf")


def workbook(rows: list[list]) -> SimpleUploadedFile:
    """An .xlsx laid out like the export: a header row, then the given rows."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["编号", "入驻主体", "完成", "营收"])
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("inputs.xlsx", buffer.getvalue())
