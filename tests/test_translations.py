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
