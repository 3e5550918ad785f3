from pathlib import Path

import pytest

from tests.spec import VENDORED

SHARED = Path(__file__).resolve().parents[3] / "shared" / "spec" / "conformance.json"


@pytest.mark.skipif(not SHARED.exists(), reason="the shared spec folder is not next to this checkout")
def test_vendored_conformance_cases_match_the_shared_spec():
    assert VENDORED.read_bytes() == SHARED.read_bytes()
