"""《违规整改通知书》 as a PDF: Chinese text extractable (pdftotext), Noto Sans CJK SC embedded (pdffonts),
one A4 page for a normal case, at most 300 KB; it names the resident, the facts, the article, the
requirement and deadline, the next step of the ladder and how to ask for review."""

import re
import shutil
import subprocess
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from discipline.documents.notice import render_notice
from discipline.services import cases as services
from tests.discipline.support.cases import TODAY, confirmed_case, on_day, open_case, to_notice

pytestmark = pytest.mark.django_db


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} (poppler-utils) is not installed")
    return path


def _text(pdf: Path) -> str:
    out = subprocess.run([_tool("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    return re.sub(r"\s+", "", out)


@pytest.fixture
def notice_pdf(member_a, daily_staff, administrator, tmp_path):
    with on_day(TODAY):
        confirmed_case(member_a, daily_staff, administrator, kind="2b", occurred_on=TODAY - timedelta(days=40))
        case = open_case(member_a, daily_staff, kind="2b", occurred_on=TODAY - timedelta(days=1),
                         facts="在三楼公共休息区丢弃外卖垃圾，未按规定分类投放。")
        notice = to_notice(case, daily_staff, requirement="立即清理三楼公共休息区的垃圾，并按规定分类投放。")
        path = tmp_path / "notice.pdf"
        path.write_bytes(render_notice(notice))
    return path, notice


def test_the_cjk_font_is_embedded(notice_pdf):
    pdf, _notice = notice_pdf
    fonts = subprocess.run([_tool("pdffonts"), str(pdf)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines()[2:] if "notosanscjk" in re.sub(r"[^a-z]", "", line.lower())]
    assert cjk, fonts
    assert all(line.split()[-5] == "yes" for line in cjk), fonts


def test_one_page_and_small(notice_pdf):
    pdf, _notice = notice_pdf
    info = subprocess.run([_tool("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M), info
    assert "A4" in info or "595.276 x 841.89" in info, info
    assert pdf.stat().st_size <= 300 * 1024


def test_the_chinese_text_says_what_the_resident_must_do(notice_pdf):
    pdf, notice = notice_pdf
    text = _text(pdf)
    for expected in [
        "《违规整改通知书》",
        f"编号：{notice.number}",
        "张三：",  # addressed to the resident by full name (the notice is not public)
        "2026年10月11日",  # the day it happened
        notice.case.number,
        "在三楼公共休息区丢弃外卖垃圾",
        "第八章第二条",
        "空间管理违规——2b污染环境",
        "立即清理三楼公共休息区的垃圾",
        "整改期限：2026年10月19日",
        "本次为365天内第2次同类违规",
        "处罚标准规定：罚款¥50.00",
        "再次发生同类违规将：罚款¥100.00",
        "公示3个工作日",
        "3个工作日内答复",
        "（盖章）",
        "第1页/共1页",
    ]:
        assert expected in text, expected


def test_a_long_requirement_still_renders(member_a, daily_staff, tmp_path):
    with on_day(TODAY):
        case = open_case(member_a, daily_staff, kind="2a", measure=Decimal("800"), facts="损坏会议室投影仪。" * 20)
        notice = to_notice(case, daily_staff, requirement="按原价赔偿并恢复原状。" * 30)
        pdf = render_notice(notice)
    assert pdf.startswith(b"%PDF-") and len(pdf) <= 300 * 1024


def test_the_stored_pdf_is_kept_and_rerendered_only_when_forced(member_a, daily_staff):
    with on_day(TODAY):
        case = open_case(member_a, daily_staff)
        notice = to_notice(case, daily_staff)
        first = services.notice_render(notice_id=notice.pk)
        again = services.notice_render(notice_id=notice.pk)
        assert again.document.name == first.document.name
        forced = services.notice_render(notice_id=notice.pk, force=True)
        assert forced.document.name != first.document.name
