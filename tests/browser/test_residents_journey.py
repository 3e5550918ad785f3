"""A future resident's whole way in (第三章第二条 入驻流程), in a real browser, through the UI only.

Three people, three browser contexts: the applicant on a phone (the portal), the intake team
and the daily management team at their desks (the admin). Every step a person does is done by
clicking and typing — sign-up, the application with its uploads (``set_input_files`` with small
valid PNG/PDF files built in memory), initial review, evaluation, approval, the agreement issued
and accepted, the first invoice and the deposit recorded, the check-in, the orientation, a
complaint filed with a photo, answered, solved and confirmed. The test only arranges what exists
before anyone arrives (the two staff accounts and the desk register) and checks the database at
the end. Screenshots of the key steps go to $BROWSER_SCREENSHOTS (default /tmp).
"""

import re
import struct
import zlib

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from opc_community.accounts.roles import Role
from residents.models import (
    AgreementStatus,
    ApplicationStatus,
    Complaint,
    ComplaintStatus,
    Resident,
    ResidentStatus,
)
from tests.browser.conftest import DESKTOP, TIMEOUT_MS
from tests.browser.support import SCREENSHOTS
from tests.factories import TEST_PASSWORD, UserFactory
from tests.residents.support.agreements import use_private_storage
from tests.spaces.factories import DeskFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "Nansha-opc-2026"  # the applicant's own choice (passes Django's validators)


def png(rgb: tuple[int, int, int] = (210, 225, 240), width: int = 40, height: int = 25) -> bytes:
    """A small, valid PNG (the upload check reads the content, not the name)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = (b"\x00" + bytes(rgb) * width) * height
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    )


def pdf(text: str) -> bytes:
    """A one-page, valid PDF with a correct cross-reference table."""
    stream = f"BT /F1 14 Tf 50 780 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    """Uploads and agreement PDFs go to a temporary folder (the live server shares the settings)."""
    return use_private_storage(settings, tmp_path)


@pytest.fixture
def staff_desk(browser: Browser, live_server: LiveServer):
    """``staff_desk(username)`` → a desktop page of the admin, logged in as that staff member."""
    contexts: list[BrowserContext] = []

    def open_desk(username: str) -> Page:
        context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="zh-CN")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.goto("/admin/login/")
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill(TEST_PASSWORD)
        page.locator("#id_password").press("Enter")
        expect(page.locator("#user-tools")).to_contain_text("欢迎")
        return page

    yield open_desk
    for context in contexts:
        context.close()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"residents-journey-{name}.png"), full_page=True)


def success(page: Page):
    return page.locator("ul.messagelist li.success, .messages .message--success, [role=status]")



def search_pick(page, field: str, name: str) -> None:
    """Choose in the admin's search-as-you-type picker (residents are searched, never listed)."""
    page.locator(f"#id_{field} + .select2").click()
    page.locator(".select2-search__field").fill(name)
    page.locator(".select2-results__option", has_text=name).first.click()

def test_from_sign_up_to_a_confirmed_complaint(phone: Page, staff_desk, mailoutbox):
    # Given the community's staff and its desk register (everything else happens in the browser)
    UserFactory(username="intake", full_name="李招商", is_staff=True, roles=[Role.INTAKE])
    UserFactory(username="daily", full_name="钱管理", is_staff=True, roles=[Role.DAILY])
    DeskFactory(code="A-301")
    DeskFactory(code="A-302")

    # --- 1. Sign up and apply, on the phone --------------------------------------------------
    phone.goto("/portal/residents/signup/")
    expect(phone.locator("h1")).to_have_text("注册账号，申请入驻")
    phone.get_by_label("用户名").fill("linxiao")
    phone.get_by_label("姓名").fill("林晓")
    phone.get_by_label("手机号").fill("13912345678")
    phone.get_by_label("电子邮箱").fill("linxiao@example.com")
    phone.locator("#id_password1").fill(PASSWORD)
    phone.locator("#id_password2").fill(PASSWORD)
    phone.get_by_role("button", name="注册").click()
    expect(phone.locator("h1")).to_have_text("请查收邮件")
    # then opens the emailed link (the live server's transaction committed: the email went out)
    (activation,) = mailoutbox
    phone.goto(re.search(r"https?://\S+/signup/activate/\S+/", activation.body).group(0))
    phone.get_by_role("button", name="激活并继续").click()

    # 《OPC社区入驻申请表》 with its materials (PNG and PDF, checked by content on the server)
    phone.get_by_label("主体类型").select_option("individual")
    phone.get_by_label("创业方向").select_option("ai_native")
    phone.get_by_role("textbox", name="姓名（与身份证一致）").fill("林晓")
    phone.get_by_role("textbox", name="身份证号码").fill("440106199003075670")
    phone.get_by_label("项目简介").fill("面向跨境电商卖家的多语种 AI 客服助手，自动回复售前咨询并生成售后工单。")
    phone.locator("#id_id_card").set_input_files(
        files=[{"name": "身份证.png", "mimeType": "image/png", "buffer": png()}]
    )
    phone.locator("#id_project_plan").set_input_files(
        files=[{"name": "项目计划书.pdf", "mimeType": "application/pdf", "buffer": pdf("Project plan")}]
    )
    phone.locator("#id_declares_no_dishonesty").check()
    phone.locator("#id_consent_id_processing").check()
    phone.get_by_role("button", name="提交申请").click()

    # Then the application page shows the status and the initial-review deadline (7 working days)
    expect(phone.locator("h1")).to_have_text("我的入驻申请")
    expect(phone.get_by_text("待初审").first).to_be_visible()
    expect(phone.get_by_text("初审期限")).to_be_visible()
    expect(phone.get_by_text("还剩")).to_be_visible()
    expect(phone.get_by_role("link", name="项目计划书.pdf")).to_be_visible()
    shot(phone, "1-application-submitted")

    # --- 2. The intake team reviews: initial review, evaluation, approval ----------------------
    intake = staff_desk("intake")
    intake.goto("/admin/residents/application/")
    intake.get_by_role("link", name="林晓").click()
    intake.get_by_role("link", name="初审通过（进入项目评估）").click()
    intake.get_by_label("备注（可选）").fill("材料齐全。")
    intake.get_by_role("button", name="确认").click()
    expect(success(intake)).to_contain_text("项目评估中")
    intake.get_by_role("link", name="记录项目评估").click()
    intake.get_by_label("可行性").fill("已有试用客户，三个月内可上线。")
    intake.get_by_label("与社区的匹配度").fill("AI 原生项目，符合社区方向。")
    intake.get_by_role("button", name="确认").click()
    expect(success(intake)).to_contain_text("已评估")
    intake.get_by_role("link", name="批准入驻").click()
    intake.get_by_role("button", name="确认").click()
    expect(success(intake)).to_contain_text("已通过")
    shot(intake, "2-application-approved")

    # The intake team issues 《OPC社区入驻协议》: 12 months from today, 800 a month, deposit 2,000
    intake.goto("/admin/residents/agreement/add/")
    search_pick(intake, "resident", "林晓")
    intake.get_by_label("计费方式").select_option("monthly")
    intake.get_by_label("服务费（元）").fill("800")
    intake.get_by_label("保证金（元）").fill("2000")
    intake.get_by_role("button", name="签发").click()
    expect(success(intake)).to_contain_text("已向林晓签发入驻协议")

    # --- 3. The resident reads and accepts the agreement in the portal -------------------------
    phone.goto("/portal/")
    phone.get_by_role("link", name="查看协议").click()
    expect(phone.locator("h1")).to_have_text("《OPC社区入驻协议》")
    phone.get_by_label("本人已阅读《OPC社区入驻协议》").check()
    phone.get_by_role("button", name="签署协议").click()
    expect(phone.get_by_text("您已签署入驻协议")).to_be_visible()
    shot(phone, "3-agreement-accepted")

    # --- 4. The intake team records the first month's fee and the deposit ----------------------
    intake.goto("/admin/residents/invoice/?q=林晓")
    intake.get_by_role("link", name="登记收款").first.click()
    expect(intake.get_by_label("金额（元）")).to_have_value("800.00")  # the open balance
    intake.get_by_label("付款方式").select_option("wechat")
    intake.get_by_label("凭证号").fill("WX20261126001")
    intake.get_by_role("button", name="记录").click()
    expect(success(intake)).to_contain_text("¥800.00")
    intake.goto("/admin/residents/depositentry/add/")
    search_pick(intake, "resident", "林晓")
    intake.get_by_label("类型").select_option("paid")
    intake.get_by_label("金额（元）").fill("2000")
    intake.get_by_role("button", name="记录").click()
    expect(success(intake)).to_contain_text("¥2,000.00")

    # --- 5. The daily management team checks the resident in (办理入驻) --------------------------
    daily = staff_desk("daily")
    daily.goto("/admin/residents/resident/")
    daily.get_by_role("row").filter(has_text="林晓").get_by_role("checkbox").check()
    daily.locator("select[name=action]").select_option("check_in")
    daily.locator("button[name=index]").click()  # the admin's "run the action" button
    daily.get_by_label("工位").select_option(label="A-302 · 3F · A 区")
    daily.get_by_role("button", name="确认").click()
    expect(success(daily)).to_contain_text("已办理入驻")
    shot(daily, "5-checked-in")

    # --- 6. Orientation (岗前告知): the portal's functions open only after the acknowledgement ---
    phone.goto("/portal/")
    phone.get_by_role("link", name="诉求反馈").click()
    expect(phone.locator("h1")).to_have_text("岗前告知：社区规则")
    expect(phone.get_by_role("heading", name="违规情形及处罚（第八章第二条）")).to_be_visible()
    shot(phone, "6-orientation")
    phone.get_by_label("本人已阅读并理解").check()
    phone.get_by_role("button", name="我已阅读并知悉").click()
    expect(phone.get_by_text("门户各项功能已向您开放")).to_be_visible()

    # --- 7. A complaint with a photo, answered and solved by the daily management team -------------
    phone.get_by_role("link", name="诉求反馈").click()
    phone.get_by_role("link", name="提交诉求").click()
    phone.get_by_label("类别").select_option("facilities")
    phone.get_by_label("主题").fill("A-302 工位台灯不亮")
    phone.get_by_label("详细内容").fill("工位台灯开关按下后不亮，换了插座仍然不亮。")
    phone.get_by_label("附件（选填）").set_input_files(
        files=[{"name": "台灯.png", "mimeType": "image/png", "buffer": png((250, 240, 200))}]
    )
    phone.get_by_role("button", name="提交").click()
    expect(phone.locator("h1")).to_have_text("A-302 工位台灯不亮")
    expect(phone.get_by_text("诉求已提交")).to_be_visible()

    daily.goto("/admin/residents/complaint/")
    daily.get_by_role("link", name="A-302 工位台灯不亮").click()
    daily.get_by_role("link", name="下一步：回复").click()
    daily.get_by_label("内容").fill("已收到，今天下午安排电工检查。")
    daily.get_by_role("button", name="确认").click()
    expect(success(daily)).to_contain_text("已回复")
    daily.get_by_role("link", name="下一步：给出解决方案").click()
    daily.get_by_label("内容").fill("已更换台灯灯管，测试正常。")
    daily.get_by_role("button", name="确认").click()
    expect(success(daily)).to_contain_text("已给出解决方案")
    shot(daily, "7-complaint-solved")

    # --- 8. The resident reads the thread and confirms the solution -------------------------------
    phone.reload()
    expect(phone.get_by_text("已更换台灯灯管，测试正常。")).to_be_visible()
    phone.get_by_label("评价（选填）").fill("已经修好了，谢谢！")
    phone.get_by_role("button", name="已解决，确认").click()
    expect(phone.get_by_text("已关闭").first).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375  # nothing sticks out sideways
    shot(phone, "8-complaint-confirmed")

    # Then the database holds the whole way in, as the services wrote it
    resident = Resident.objects.select_related("application").get(user__username="linxiao")
    assert resident.application.status == ApplicationStatus.APPROVED
    assert resident.application.documents.count() == 2
    assert resident.status == ResidentStatus.ACTIVE and resident.acknowledgements.count() == 1
    assert resident.agreements.get().status == AgreementStatus.ACCEPTED
    assert resident.desk_assignments.get(ends_at__isnull=True).desk.code == "A-302"
    complaint = Complaint.objects.get(resident=resident)
    assert complaint.status == ComplaintStatus.CLOSED and complaint.attachment
    assert list(complaint.messages.values_list("kind", flat=True)) == ["response", "solution", "confirm"]
