"""《OPC社区入驻协议》 as a PDF: Chinese text extractable, Noto Sans CJK SC embedded, the numbers of the
agreement and of its rulebook version, the acceptance record once accepted (poppler tools inspect it)."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import time_machine

from residents.documents.agreement import agreement_pdf
from residents.services import agreements as services
from tests.residents.support.agreements import NOW, issue, onboarding

pytestmark = pytest.mark.django_db


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} (poppler-utils) is not installed")
    return path


def _text(pdf: Path) -> str:
    out = subprocess.run([_tool("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    return re.sub(r"\s+", "", out)  # pdftotext does not keep the spaces around numbers


@pytest.fixture
def accepted_pdf(intake_staff, tmp_path) -> tuple[Path, object]:
    with time_machine.travel(NOW, tick=False):
        resident = onboarding(name="杭州智语科技有限公司")
        agreement = issue(resident, intake_staff)
        agreement = services.agreement_accept(agreement=agreement, actor=resident.user)
        path = tmp_path / "agreement.pdf"
        path.write_bytes(agreement_pdf(agreement))
    return path, agreement


def test_the_cjk_font_is_embedded(accepted_pdf):
    pdf, _agreement = accepted_pdf
    fonts = subprocess.run([_tool("pdffonts"), str(pdf)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines()[2:] if "notosanscjk" in re.sub(r"[^a-z]", "", line.lower())]
    assert cjk, fonts
    assert all(line.split()[-5] == "yes" for line in cjk), fonts  # the "emb" column


def test_the_chinese_text_says_what_was_agreed(accepted_pdf):
    pdf, agreement = accepted_pdf
    text = _text(pdf)

    assert "《OPC社区入驻协议》" in text
    assert f"编号：{agreement.number}" in text
    for expected in [
        "甲方（社区）", "南沙国际OPC生态社区运营管理团队", "乙方（入驻主体）杭州智语科技有限公司",
        "本协议入驻期限为12个月，自2026年5月6日起至2027年5月5日止（第三章第三条）",
        "每月¥800.00，分12期按月缴纳",
        "第一期于2026年5月6日，第二期于2026年6月6日",
        "¥2,000.00，于办理入驻前缴纳",
        "逾期1–7天：警告",  # the overdue-fee ladder of 第八章第二条, from the rulebook
        "没收保证金，乙方3年内不得再次申请入驻",
        "乙方已知悉《规范》第八章奖惩机制",
        "本协议签署时为第1版",
        "甲方（盖章）", "乙方（签字或盖章）",
        "乙方已于2026年5月6日",  # the acceptance record
        "第1页/共",
    ]:
        assert expected in text, expected
    assert "11010519491231002X" not in text  # the ID number is masked


def test_an_issued_agreement_has_no_acceptance_record(intake_staff, tmp_path):
    with time_machine.travel(NOW, tick=False):
        agreement = issue(onboarding(), intake_staff, fee="9000.00", period="term")
        pdf = tmp_path / "issued.pdf"
        pdf.write_bytes(agreement_pdf(agreement))

    text = _text(pdf)
    assert "整个期限¥9,000.00，一次性缴纳" in text
    assert "通过社区门户在线签署本协议" not in text


def test_a_page_image_is_produced(accepted_pdf, tmp_path):
    pdf, _agreement = accepted_pdf
    subprocess.run([_tool("pdftoppm"), "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)
    [image] = tmp_path.glob("page-*.png")
    assert image.stat().st_size > 5_000
