"""WeasyPrint rendering shared by every document (《违规整改通知书》, 《入驻协议》, score reports…).

Templates extend ``pdf/base.html`` (A4, the community's header, "第 N 页 / 共 M 页",
Noto Sans CJK SC set on ``html``). Rendering happens after commit or in a task,
never inside a decision's transaction (STYLE.md #6).
"""

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation


def render_pdf(template_name: str, context: dict[str, Any], *, language: str | None = None) -> bytes:
    """Render a Django template to PDF bytes (in ``language``, default the site's Chinese)."""
    from weasyprint import HTML  # heavy import, only where documents are made

    with translation.override(language or settings.LANGUAGE_CODE):
        html = render_to_string(template_name, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
