"""WeasyPrint rendering shared by every document (《违规整改通知书》, 《入驻协议》, score reports…).

Templates extend ``pdf/base.html`` (A4, the community's header, "第 N 页 / 共 M 页",
Noto Sans CJK SC set on ``html``). Rendering happens after commit or in a task,
never inside a decision's transaction (STYLE.md #6).

Fonts are prepared once per process (:func:`_fonts`): one WeasyPrint ``FontConfiguration`` and one
parsed stylesheet declaring "Noto Sans CJK SC GB2312", the GB 2312 subset of Noto Sans CJK SC committed
in ``fonts/`` (scripts/make_pdf_font.py). WeasyPrint reads and subsets the whole file of each font it
embeds on every render, so a document naming that family first (the notice does) renders about three
times faster than with the 19 MB system collection; a character outside the subset falls back to the
system's Noto Sans CJK SC, named next in the list.
"""

import atexit
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

#: The embedded document font (scripts/make_pdf_font.py); templates name it first in ``font-family``.
DOCUMENT_FONT = Path(__file__).resolve().parent / "fonts" / "NotoSansCJKsc-GB2312.otf"


@cache
def _fonts() -> tuple[Any, Any]:
    """The process's font configuration and the parsed @font-face stylesheet (made on first use)."""
    from weasyprint import CSS  # heavy import, only where documents are made
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    atexit.register(_fonts.cache_clear)  # freed while WeasyPrint's libraries are still loaded
    face = CSS(
        string=f'@font-face {{ font-family: "Noto Sans CJK SC GB2312"; src: url("{DOCUMENT_FONT.as_uri()}"); }}',
        font_config=font_config,
    )
    return font_config, face


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of an HTML page, with the process's prepared fonts (relative URLs from the checkout)."""
    from weasyprint import HTML

    font_config, face = _fonts()
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(stylesheets=[face], font_config=font_config)


def render_pdf(template_name: str, context: dict[str, Any], *, language: str | None = None) -> bytes:
    """Render a Django template to PDF bytes (in ``language``, default the site's Chinese)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        html = render_to_string(template_name, context)
    return html_to_pdf(html)
