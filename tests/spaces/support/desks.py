"""Helpers shared by the tests of desks, visitors and permits (no tests here).

Residents are built straight in the ORM (tests.residents.factories): checked in, rules
acknowledged, an accepted agreement — what check-in and orientation would have made.
"""

from datetime import datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from residents.models import Resident
from spaces.models import DeskAssignment
from spaces.services import desks as desk_services
from tests.factories import image_bytes
from tests.residents.factories import AgreementFactory, ResidentFactory, acknowledge_rules
from tests.spaces.factories import DeskFactory

SH = ZoneInfo("Asia/Shanghai")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = image_bytes("png")
JPEG = image_bytes("jpeg")


def member(user=None, **kwargs: object) -> Resident:
    """A checked-in resident with the rules acknowledged and an accepted agreement (portal-ready)."""
    resident = ResidentFactory(user=user, **kwargs) if user is not None else ResidentFactory(**kwargs)
    acknowledge_rules(resident)
    AgreementFactory(resident=resident)
    return resident



def seat(resident: Resident, code: str, actor) -> DeskAssignment:
    """Give the resident a new desk ``code`` (as check-in would)."""
    return desk_services.desk_assign(resident=resident, desk=DeskFactory(code=code), actor=actor)


def sh(*args: int) -> datetime:
    """An aware datetime in Asia/Shanghai."""
    return datetime(*args, tzinfo=SH)


def in_hours(hours: float) -> datetime:
    return timezone.now() + timedelta(hours=hours)


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def pdf_upload(name: str = "poster.pdf") -> SimpleUploadedFile:
    return upload(name, PDF, "application/pdf")


def fake_pdf_upload() -> SimpleUploadedFile:
    """Named .pdf, but a Windows executable by its content."""
    return upload("poster.pdf", b"MZ\x90\x00" + b"\x00" * 64, "application/pdf")


def big_upload(mb: int) -> SimpleUploadedFile:
    data = BytesIO(PDF + b"0" * (mb * 1024 * 1024 + 1))
    return SimpleUploadedFile("big.pdf", data.getvalue(), content_type="application/pdf")


def use_private_storage(settings, tmp_path) -> None:
    """Uploaded files go to a temporary folder, never the checkout's .data/ (call from a fixture)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "private")}},
    }
