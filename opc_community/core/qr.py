"""QR codes as inline SVG, generated on the server (segno, pure Python): no image files, no CDN."""

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(text: str, *, title: str, svgclass: str = "qr-code__image") -> SafeString:
    """``text`` as a QR code, black on white for scanners; ``title`` is its accessible name."""
    svg = segno.make(text, error="m", micro=False).svg_inline(
        scale=1, border=4, dark="#000", light="#fff", omitsize=True, title=title, svgclass=svgclass
    )
    return mark_safe(svg)  # noqa: S308 - segno's own markup; the title is escaped by segno
