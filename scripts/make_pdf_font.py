"""Make ``opc_community/core/fonts/NotoSansCJKsc-GB2312.otf``: the font the PDF documents embed.

A subset of Noto Sans CJK SC Regular (fonts-noto-cjk, SIL Open Font License 1.1) reduced to the
characters of GB 2312 (the 6,763 hanzi of everyday Simplified Chinese, punctuation, full-width forms)
and printable ASCII, renamed "Noto Sans CJK SC GB2312". WeasyPrint reads, and subsets again, the whole
file of every font it embeds on every render: the 1.5 MB subset instead of the 19 MB collection makes
a one-page notice about three times faster (docs/performance.md). A character outside GB 2312 (a rare
name) falls back to the system's Noto Sans CJK SC, so it still prints correctly.

    python scripts/make_pdf_font.py [/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc]

Run it again only when the character set should change; the output is committed.
"""

import sys
from pathlib import Path

from fontTools import subset

SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
SC_FACE = 2  # the collection's faces: JP, KR, SC, TC, HK, then the Mono ones
FAMILY = "Noto Sans CJK SC GB2312"
TARGET = (
    Path(__file__).resolve().parents[1] / "opc_community" / "core" / "fonts" / "NotoSansCJKsc-GB2312.otf"
)


def characters() -> set[int]:
    """GB 2312 (rows 0xA1–0xF7), printable ASCII, CJK punctuation, full-width forms, common typography."""
    found = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                found.add(ord(bytes([high, low]).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    found |= set(range(0x20, 0x7F)) | set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))
    found |= {ord(c) for c in "–—‘’“”…·•©®™°±×÷€¥"}
    return found


def main() -> None:
    source = sys.argv[1] if len(sys.argv) > 1 else SOURCE
    options = subset.Options()
    options.font_number = SC_FACE
    options.layout_features = []  # no OpenType layout (WeasyPrint drops it from embedded fonts anyway)
    options.name_IDs = ["*"]
    options.hinting = False
    options.desubroutinize = True
    options.drop_tables += ["GSUB", "GPOS", "BASE", "VORG", "vhea", "vmtx"]
    font = subset.load_font(source, options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=characters())
    subsetter.subset(font)
    names = font["name"]
    for record in names.names:
        if record.nameID in (1, 16):
            record.string = FAMILY
        elif record.nameID in (3, 4):
            record.string = f"{FAMILY} Regular"
        elif record.nameID == 6:
            record.string = FAMILY.replace(" ", "") + "-Regular"
    font["CFF "].cff.fontNames = [FAMILY.replace(" ", "") + "-Regular"]
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    font.save(TARGET)
    print(f"{TARGET}: {TARGET.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
