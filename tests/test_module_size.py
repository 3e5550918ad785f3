"""No service module grows past 500 lines — an app's ``services/*.py`` and the core packages'
``services.py`` alike, discipline included: a topic that does is split by concern (docs/architecture.md)."""

from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
MAX_LINES = 500


def service_modules() -> list[Path]:
    patterns = ("*/services/*.py", "opc_community/*/services.py", "opc_community/*/services/*.py")
    return sorted({path for pattern in patterns for path in REPOSITORY.glob(pattern)})


def test_there_are_service_modules_to_check():
    assert len(service_modules()) > 20


@pytest.mark.parametrize("module", service_modules(), ids=lambda path: str(path.relative_to(REPOSITORY)))
def test_a_service_module_stays_under_the_limit(module: Path):
    lines = len(module.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module.relative_to(REPOSITORY)} has {lines} lines; split it by concern"
