"""Shared arrangements for the complaint tests (no tests here): files, times, helpers.

Imported by the other ``test_complaints_*`` modules (each defines its own small fixtures).
"""

from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from residents.models import ComplaintCategory
from residents.services import complaints as services
from tests.factories import image_bytes

SH = ZoneInfo("Asia/Shanghai")

#: The conformance case (RULEBOOK §2): filed Wed 2026-09-30 → respond by end of 10-09, solve by end of 10-15.
FILED = datetime(2026, 9, 30, 10, 0, tzinfo=SH)
RESPONSE_DUE = datetime(2026, 10, 9, 23, 59, 59, tzinfo=SH)
SOLUTION_DUE = datetime(2026, 10, 15, 23, 59, 59, tzinfo=SH)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = image_bytes("png")


def sh(*args: int) -> datetime:
    """An aware datetime in Asia/Shanghai."""
    return datetime(*args, tzinfo=SH)


def pdf_upload(name: str = "photo.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def fake_pdf_upload() -> SimpleUploadedFile:
    """Named .pdf, but a Windows executable by content."""
    return SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00" + b"\x00" * 64, content_type="application/pdf")


def big_upload(mb: int) -> SimpleUploadedFile:
    data = BytesIO(PDF + b"0" * (mb * 1024 * 1024 + 1))
    return SimpleUploadedFile("big.pdf", data.getvalue(), content_type="application/pdf")


def file_complaint(resident, *, at: datetime = FILED, subject: str = "会议室空调不制冷", **extra):
    """Resident ``resident`` files a complaint at ``at`` (time frozen)."""
    with time_machine.travel(at, tick=False):
        return services.complaint_file(
            resident=resident,
            category=extra.pop("category", ComplaintCategory.FACILITIES),
            subject=subject,
            text=extra.pop("text", "三楼 301 会议室空调从周一起不制冷。"),
            actor=resident.user,
            **extra,
        )


def at(moment: datetime):
    """Freeze time at ``moment`` for a block."""
    return time_machine.travel(moment, tick=False)
