"""A blocked fire exit reported on a phone, in a real browser (第七章第二条 → 第八章第二条 kind 6a): a resident
reports it with a photo taken on the spot; the daily management team triages it, opens a 6a violation case
against the resident whose boxes block the exit (the photo becomes the case's evidence) and closes the
incident; the reporter follows each state on its report — without the other resident's name."""

import struct
import zlib

import pytest
from playwright.sync_api import expect

from discipline.services.incidents import case_open_from_incident
from opc_community.accounts.roles import Role
from spaces.models import Incident, IncidentCategory, IncidentStatus
from spaces.services import safety as services
from tests.browser.support import SCREENSHOTS, fits_the_phone, log_in
from tests.factories import UserFactory
from tests.spaces.support.bookings import make_member

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]



def png(width: int = 4, height: int = 3) -> bytes:
    """A small valid PNG (grey pixels), as a phone camera's photo stands in."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def test_a_resident_reports_a_blocked_fire_exit_and_follows_it_to_a_6a_case(phone):
    # Given a checked-in reporter, the resident whose boxes block the exit, and the daily management team
    make_member(UserFactory(username="zhangsan", full_name="张三", roles=[Role.RESIDENT]), "张三")
    offender = make_member(UserFactory(username="ouyang", full_name="欧阳娜娜", roles=[Role.RESIDENT]), "欧阳娜娜")
    staff = UserFactory(username="daily", full_name="钱日常", is_staff=True, roles=[Role.DAILY])

    # When the reporter opens "report a safety incident" on a phone
    log_in(phone, "zhangsan", "/portal/spaces/safety/incidents/new/")
    expect(phone.locator("h1")).to_have_text("上报安全事件")
    expect(phone.get_by_label("时间")).not_to_have_value("")  # now, by default
    assert fits_the_phone(phone)

    # …and reports the blocked fire exit with a photo
    phone.get_by_label("事件类别").select_option(IncidentCategory.HAZARD)
    phone.get_by_label("地点").fill("3 楼东侧消防通道")
    phone.get_by_label("说明").fill("消防通道被纸箱堵住，门推不开")
    phone.get_by_label("照片（可选）").set_input_files(
        files=[{"name": "exit.png", "mimeType": "image/png", "buffer": png()}])
    phone.screenshot(path=str(SCREENSHOTS / "safety-report-375.png"), full_page=True)
    phone.get_by_role("button", name="提交上报").click()

    # Then the report is on its page, reported, with the photo
    expect(phone.get_by_role("status")).to_contain_text("已立即通知日常管理组")
    expect(phone.locator("h1")).to_have_text("安全隐患")
    expect(phone.get_by_test_id("incident-status")).to_have_text("已上报")
    expect(phone.get_by_role("link", name="查看照片")).to_be_visible()
    assert fits_the_phone(phone)
    incident = Incident.objects.get()
    assert (incident.reported_by.username, incident.status, incident.photo_type) == (
        "zhangsan", IncidentStatus.REPORTED, "image/png")

    # When staff triage it, open a 6a case against the resident blocking the exit, and clear the exit
    services.incident_triage(incident=incident, severity="general", actor=staff, note="已到现场查看")
    case = case_open_from_incident(incident_id=incident.pk, resident=offender, kind="6a", actor=staff)
    evidence = case.evidence.get()
    assert (case.kind, case.resident_id, evidence.content_type) == ("6a", offender.pk, "image/png")

    # Then the reporter sees it being handled, with what staff did
    phone.reload()
    expect(phone.get_by_test_id("incident-status")).to_have_text("处理中")
    actions = phone.get_by_role("region", name="日常管理组的处置")
    expect(actions).to_contain_text("定级为一般")
    expect(actions).to_contain_text(case.number)
    phone.screenshot(path=str(SCREENSHOTS / "safety-in-progress-375.png"), full_page=True)

    # When staff close the incident with the outcome
    services.incident_close(incident=incident, outcome="纸箱已清走，消防通道已恢复畅通", actor=staff)

    # Then the reporter sees it closed, with the outcome — and never the other resident's name
    phone.reload()
    expect(phone.get_by_test_id("incident-status")).to_have_text("已关闭")
    expect(phone.get_by_test_id("outcome")).to_contain_text("纸箱已清走，消防通道已恢复畅通")
    assert "欧阳娜娜" not in phone.locator("main").inner_text()
    assert fits_the_phone(phone)
    phone.screenshot(path=str(SCREENSHOTS / "safety-closed-375.png"), full_page=True)
