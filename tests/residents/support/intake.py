"""Shared arrangements for the intake tests (no tests here): files, identity numbers, times, and
helpers that walk an application through the workflow with the real services.

Fixtures defined here are imported by name where they are used.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from residents.models import Application, Direction, DocumentKind, EntityType
from residents.services import intake as services
from tests.factories import image_bytes
from tests.rulebook.factories import RulebookVersionFactory

SH = ZoneInfo("Asia/Shanghai")

#: Valid numbers (checked against GB 11643 / GB 32100 check characters).
ID_A = "11010519491231002X"
ID_B = "440106199003075670"
USCC_A = "91350100M000100Y43"
USCC_B = "91440101MA59TQXX18"

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = image_bytes("jpeg")
PNG = image_bytes("png")
TEXT = "这不是 PDF，只是改了扩展名的文本文件。\n".encode()

#: A weekday outside any holiday, inside rulebook v1 (from 2026-04-01).
MONDAY = datetime(2026, 6, 1, 10, 0, tzinfo=SH)


def sh(*args: int) -> datetime:
    """An aware datetime in Asia/Shanghai."""
    return datetime(*args, tzinfo=SH)


def at(moment: datetime):
    """Freeze time at ``moment`` for a block."""
    return time_machine.travel(moment, tick=False)


def upload(name: str = "plan.pdf", content: bytes = PDF, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def big_upload(mb: int) -> SimpleUploadedFile:
    """A real PDF just over ``mb`` MB."""
    return SimpleUploadedFile("big.pdf", PDF + b"0" * (mb * 1024 * 1024 + 1), content_type="application/pdf")


def materials(entity_type: str = EntityType.INDIVIDUAL) -> list[tuple[str, SimpleUploadedFile]]:
    """The required materials for the entity type (第三章第二条)."""
    files = [
        (DocumentKind.ID_CARD, upload("身份证.jpg", JPEG, "image/jpeg")),
        (DocumentKind.PROJECT_PLAN, upload("项目计划书.pdf")),
    ]
    if entity_type in EntityType.registered():
        files.append((DocumentKind.BUSINESS_LICENCE, upload("营业执照.png", PNG, "image/png")))
    return files


def details(**overrides: object) -> services.ApplicationDetails:
    """Complete details of an unregistered individual with an AI-native venture."""
    values = {
        "entity_type": EntityType.INDIVIDUAL,
        "direction": Direction.AI_NATIVE,
        "person_name": "王五",
        "id_number": ID_A,
        "phone": "13800138000",
        "email": "wangwu@example.com",
        "project_summary": "基于大模型的跨境电商客服助手",
        "declares_no_dishonesty": True,
        "consent_id_processing": True,
        "consent_public_naming": False,
        **overrides,
    }
    if values["entity_type"] in EntityType.registered():
        values.setdefault("company_name", "广州南沙智答科技有限公司")
        values.setdefault("uscc", USCC_A)
    return services.ApplicationDetails(**values)


def company_details(**overrides: object) -> services.ApplicationDetails:
    values = {"entity_type": EntityType.OPC_COMPANY, "company_name": "广州南沙智答科技有限公司", "uscc": USCC_A}
    return details(**{**values, **overrides})


def draft(user, *, with_materials: bool = True, **overrides: object) -> Application:
    """``user``'s draft with complete details (and the required materials)."""
    filled = details(**overrides)
    return services.application_save_draft(
        applicant=user,
        details=filled,
        uploads=materials(filled.entity_type) if with_materials else (),
        actor=user,
    )


def submitted(user, *, when: datetime = MONDAY, **overrides: object) -> Application:
    """``user``'s application submitted at ``when`` (time frozen)."""
    with at(when):
        application = draft(user, **overrides)
        return services.application_submit(application=application, actor=user)


def in_evaluation(user, staff, *, when: datetime = MONDAY, **overrides: object) -> Application:
    application = submitted(user, when=when, **overrides)
    with at(when):
        return services.application_start_evaluation(
            application=application, actor=staff, eligibility_override="方向经核实符合社区定位"
        )


def evaluated(user, staff, *, when: datetime = MONDAY, **overrides: object) -> Application:
    application = in_evaluation(user, staff, when=when, **overrides)
    with at(when):
        return services.application_record_evaluation(
            application=application, actor=staff, feasibility="团队具备实施能力", fit="符合 AI 原生创新方向"
        )


@pytest.fixture
def private_storage(settings, tmp_path):
    """Uploaded materials go to a temporary private folder (never a served URL)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "private")}},
    }
    return tmp_path / "private"


@pytest.fixture
def rulebook_from_january(db):
    """A rulebook version with v1's numbers in force from 2026-01-01, so that events before the
    regulation's issue date (the Spring Festival conformance case) have rules to be judged by."""
    return RulebookVersionFactory(number=90, title="测试：提前生效的同版规则", effective_from=date(2026, 1, 1))
