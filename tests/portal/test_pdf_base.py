"""templates/pdf/base.html renders with WeasyPrint: A4, Noto Sans CJK embedded, "第 N 页 / 共 M 页".

The poppler tools (pdffonts, pdftoppm, pdftotext, pdfinfo) inspect the result; a
check is skipped only when its tool is not installed.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import weasyprint
from django.conf import settings
from django.template import engines
from django.utils import translation

DOCUMENT = """{% extends "pdf/base.html" %}
{% block title %}违规整改通知书{% endblock %}
{% block doc_title %}《违规整改通知书》{% endblock %}
{% block doc_number %}编号：ZG-2026-0007{% endblock %}
{% block doc_date %}2026年10月8日{% endblock %}
{% block content %}{% for _ in paragraphs %}
<p>张三：经核查，你方于2026年10月8日在社区公共区域堆放杂物，违反《南沙国际 OPC 生态社区运营管理规范》第八章第二条。请于收到本通知书之日起 5 个工作日内完成整改。</p>
{% endfor %}{% endblock %}
"""


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} (poppler-utils) is not installed")
    return path


@pytest.fixture(scope="module")
def pdf_file(tmp_path_factory) -> Path:
    """A two-page notice rendered in Chinese, as a file."""
    with translation.override("zh-hans"):
        html = engines["django"].from_string(DOCUMENT).render({"paragraphs": range(30)})
    pdf = weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
    path = tmp_path_factory.mktemp("pdf") / "notice.pdf"
    path.write_bytes(pdf)
    return path


def test_a_pdf_is_produced(pdf_file):
    assert pdf_file.read_bytes().startswith(b"%PDF-")


def test_noto_sans_cjk_is_embedded(pdf_file):
    fonts = subprocess.run(
        [_tool("pdffonts"), str(pdf_file)], capture_output=True, text=True, check=True
    ).stdout
    embedded = [
        line
        for line in fonts.splitlines()[2:]
        if re.sub(r"[^a-z]", "", line.lower()).count("notosanscjk")
    ]
    assert embedded, fonts
    assert all(line.split()[-5] == "yes" for line in embedded), fonts  # the "emb" column


def test_pages_are_a4_and_numbered_in_chinese(pdf_file):
    info = subprocess.run(
        [_tool("pdfinfo"), str(pdf_file)], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info), info
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages >= 2
    text = subprocess.run(
        [_tool("pdftotext"), "-layout", str(pdf_file), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    compact = re.sub(r"\s+", "", text)  # pdftotext does not keep the spaces around numbers
    for number in range(1, pages + 1):
        assert f"第{number}页/共{pages}页" in compact
    assert "南沙国际OPC生态社区" in compact
    assert "编号：ZG-2026-0007" in compact
    assert "《违规整改通知书》" in compact


def test_a_page_image_is_produced(pdf_file, tmp_path):
    subprocess.run(
        [
            _tool("pdftoppm"),
            "-png",
            "-r",
            "50",
            "-f",
            "1",
            "-l",
            "1",
            str(pdf_file),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    [image] = tmp_path.glob("page-*.png")
    assert image.read_bytes().startswith(b"\x89PNG")
    assert image.stat().st_size > 5_000  # a page with text on it, not a blank sheet
