"""Vendor the regulation's Chinese full text into the rulebook seed (第九章第一条): one entry per article.

    python scripts/vendor_regulation.py /work/shared/spec/000_70477432e849a26f.txt

writes ``opc_community/rulebook/seed/regulation.json``: ``[{"article", "chapter", "title", "text"}]`` in
the regulation's order. A chapter's own words before its first article are the entry ``第X章``; the
preface is ``前言``. Lines are joined (the source breaks lines mid-sentence); a numbered item (1. 2. …)
starts a new paragraph.
"""

import json
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "opc_community" / "rulebook" / "seed" / "regulation.json"
CHAPTER = re.compile(r"^(第[一二三四五六七八九十]+章)\s*(.+)$")
ARTICLE = re.compile(r"^(第[一二三四五六七八九十]+条)\s*(.+)$")
ITEM = re.compile(r"^(\d+[.．]|（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、)")


def _paragraphs(lines: list[str]) -> str:
    paragraphs: list[str] = []
    for line in lines:
        if ITEM.match(line) or not paragraphs:
            paragraphs.append(line)
        else:
            paragraphs[-1] += line
    return "\n".join(paragraphs)


def parse(text: str) -> list[dict[str, str]]:
    entries: list[dict[str, object]] = [{"article": "前言", "chapter": "", "title": "前言", "lines": []}]
    chapter = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line == "前 言":
            continue
        if match := CHAPTER.match(line):
            chapter = f"{match[1]} {match[2].strip()}"
            entries.append({"article": match[1], "chapter": chapter, "title": match[2].strip(), "lines": []})
        elif (match := ARTICLE.match(line)) and chapter:
            number = chapter.split()[0] + match[1]
            entries.append({"article": number, "chapter": chapter, "title": match[2].strip(), "lines": []})
        else:
            entries[-1]["lines"].append(line)  # type: ignore[union-attr]
    return [{"article": str(e["article"]), "chapter": str(e["chapter"]), "title": str(e["title"]),
             "text": _paragraphs(e["lines"])} for e in entries]  # type: ignore[arg-type]


if __name__ == "__main__":
    articles = parse(Path(sys.argv[1]).read_text(encoding="utf-8"))
    OUT.write_text(json.dumps(articles, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(articles)} entries → {OUT}")
