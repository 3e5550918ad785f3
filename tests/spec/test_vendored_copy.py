"""Every copy of the shared specification kept in this repository is byte-equal to its source.

The sources sit in a ``shared`` folder next to the checkout (the project's working layout); a clone
without it skips these tests and relies on the copies.
"""

from pathlib import Path

import pytest

from tests.spec import VENDORED

REPOSITORY = Path(__file__).resolve().parents[2]
SHARED = REPOSITORY.parent / "shared"
SPEC = REPOSITORY / "docs" / "spec"

#: Each copy in the repository and the shared file it copies.
COPIES = {
    VENDORED: SHARED / "spec" / "conformance.json",
    SPEC / "RULEBOOK.md": SHARED / "spec" / "RULEBOOK.md",
    SPEC / "000_70477432e849a26f.txt": SHARED / "spec" / "000_70477432e849a26f.txt",
    SPEC / "ARCHITECTURE.md": SHARED / "ARCHITECTURE.md",
    SPEC / "STYLE.md": SHARED / "STYLE.md",
    SPEC / "UI.md": SHARED / "UI.md",
}


@pytest.mark.parametrize(("copy", "source"), COPIES.items(), ids=[path.name for path in COPIES])
def test_the_copy_matches_the_shared_spec(copy: Path, source: Path):
    if not SHARED.is_dir():
        pytest.skip("the shared spec folder is not next to this checkout")
    assert copy.read_bytes() == source.read_bytes(), f"{copy.relative_to(REPOSITORY)} differs from {source}"
