"""Every string a person reads is translated into Simplified Chinese, and the committed .mo files are current."""

from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = sorted(
    path for path in ROOT.rglob("locale/zh_Hans/LC_MESSAGES/django.po")
    if ".venv" not in path.parts and ".data" not in path.parts
)


def test_every_app_ships_a_chinese_catalogue():
    owners = {path.relative_to(ROOT).parts[0] if path.relative_to(ROOT).parts[0] != "opc_community"
              else path.relative_to(ROOT).parts[1] for path in CATALOGUES}
    assert {"core", "accounts", "workdays", "rulebook", "notices", "portal", "locale"} <= owners


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_is_complete_and_compiled(po_path):
    catalogue = polib.pofile(str(po_path))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy: {fuzzy}"
    compiled = polib.mofile(str(po_path.with_suffix(".mo")))
    expected = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in catalogue.translated_entries()}
    actual = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in compiled if e.msgid}
    assert actual == expected, "the .mo file is stale: run `make messages`"


def test_a_string_reads_the_same_in_every_catalogue():
    """Django merges the catalogues and the first app listed wins: the same English string translated two
    ways shows one of them everywhere. Where the meaning differs, the string carries a context
    (``pgettext_lazy("complaint", "closed at")``)."""
    readings: dict[tuple[str | None, str], dict[str, str]] = {}
    for po_path in CATALOGUES:
        for entry in polib.pofile(str(po_path)).translated_entries():
            readings.setdefault((entry.msgctxt, entry.msgid), {})[str(po_path.relative_to(ROOT))] = entry.msgstr
    differing = {key: by for key, by in readings.items() if len(set(by.values())) > 1}
    assert not differing, differing
