"""Every string of the portal and of templates/ has a Chinese translation, compiled and committed."""

from pathlib import Path

import polib
import pytest
from django.conf import settings

CATALOGUES = [
    settings.BASE_DIR
    / "opc_community"
    / "portal"
    / "locale"
    / "zh_Hans"
    / "LC_MESSAGES"
    / "django.po",
    settings.BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po",
]


@pytest.mark.parametrize(
    "po_path", CATALOGUES, ids=lambda path: str(path.relative_to(settings.BASE_DIR))
)
def test_catalogue_is_complete_and_compiled(po_path: Path):
    po = polib.pofile(str(po_path))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    compiled = polib.mofile(str(po_path.with_suffix(".mo")))
    expected = {(e.msgid, e.msgstr or str(e.msgstr_plural)) for e in po.translated_entries()}
    actual = {(e.msgid, e.msgstr or str(e.msgstr_plural)) for e in compiled if e.msgid}
    assert actual == expected, "the .mo file is stale: run compilemessages"
