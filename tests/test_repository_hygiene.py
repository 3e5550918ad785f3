"""The repository stands on its own: its Markdown links stay inside it and lead to files that exist,
its text says what the code does rather than where the work was planned, and pytest collects only
modules that hold tests."""

import ast
import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
#: Folders that are not the repository's own text: version control, environments, caches, local data.
SKIPPED_FOLDERS = {".git", ".venv", ".data", "__pycache__", ".pytest_cache", ".ruff_cache", "node_modules",
                   "staticfiles", "htmlcov", "build", "dist"}
#: Compiled or binary files (their sources are checked instead).
SKIPPED_SUFFIXES = {".mo", ".pyc", ".png", ".jpg", ".jpeg", ".gif", ".ico", ".pdf", ".woff", ".woff2", ".xlsx"}


def repository_files() -> Iterator[Path]:
    for folder, subfolders, files in os.walk(REPOSITORY):
        subfolders[:] = sorted(name for name in subfolders
                               if name not in SKIPPED_FOLDERS and not name.endswith(".egg-info"))
        for name in sorted(files):
            if Path(name).suffix.lower() not in SKIPPED_SUFFIXES:
                yield Path(folder, name)


def text_files() -> Iterator[tuple[Path, str]]:
    for path in repository_files():
        try:
            yield path, path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue


# --- Markdown links ----------------------------------------------------------------------------------

FENCED_CODE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
#: ``[text](target)`` and ``![alt](target "title")``; the text may run over several lines.
INLINE_LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
#: ``[label]: target`` reference definitions.
REFERENCE_LINK = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, https:, mailto:…


def markdown_links(text: str) -> Iterator[tuple[int, str]]:
    """(line, target) of every link outside fenced code blocks."""
    text = FENCED_CODE.sub(lambda block: "\n" * block.group().count("\n"), text)
    for pattern in (INLINE_LINK, REFERENCE_LINK):
        for match in pattern.finditer(text):
            yield text.count("\n", 0, match.start(1)) + 1, match.group(1)


def broken_links(markdown: Path, *, root: Path = REPOSITORY) -> list[str]:
    """The links of ``markdown`` that leave ``root`` or lead to no file (empty when all are good)."""
    problems = []
    for line, target in markdown_links(markdown.read_text(encoding="utf-8")):
        if EXTERNAL.match(target) or target.startswith("#"):
            continue
        path = unquote(re.split(r"[#?]", target, maxsplit=1)[0])
        resolved = ((root / path.lstrip("/")) if path.startswith("/") else (markdown.parent / path)).resolve()
        place = f"{markdown.relative_to(root)}:{line}: {target}"
        if not resolved.is_relative_to(root):
            problems.append(f"{place} (outside the repository)")
        elif not resolved.exists():
            problems.append(f"{place} (no such file)")
    return problems


MARKDOWN = [path for path in repository_files() if path.suffix.lower() == ".md"]


def test_the_readme_and_the_docs_are_checked():
    names = {path.relative_to(REPOSITORY).as_posix() for path in MARKDOWN}
    assert {"README.md", "docs/residents.md", "docs/spec/RULEBOOK.md"} <= names


@pytest.mark.parametrize("markdown", MARKDOWN, ids=[path.relative_to(REPOSITORY).as_posix() for path in MARKDOWN])
def test_markdown_links_stay_inside_the_repository_and_lead_to_files(markdown: Path):
    assert broken_links(markdown) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("See [the rules](docs/spec/RULEBOOK.md#decisions).", []),
        ("[site](https://example.com) [mail](mailto:a@example.com) [top](#top)", []),
        ("See [the\nrulebook](../shared/spec/RULEBOOK.md).", ["2: ../shared/spec/RULEBOOK.md (outside the repository)"]),
        ("![logo](static/nowhere.png)", ["1: static/nowhere.png (no such file)"]),
        ("[map]: ../../ARCHITECTURE.md\n", ["1: ../../ARCHITECTURE.md (outside the repository)"]),
        ("```\nitems[0](x)\n```\n", []),
    ],
)
def test_the_link_check_itself(tmp_path: Path, text: str, expected: list[str]):
    root = tmp_path / "repository"
    (root / "docs" / "spec").mkdir(parents=True)
    (root / "docs" / "spec" / "RULEBOOK.md").write_text("# Rulebook", encoding="utf-8")
    sample = root / "README.md"
    sample.write_text(text, encoding="utf-8")
    assert [problem.removeprefix("README.md:") for problem in broken_links(sample, root=root)] == expected


# --- Wording -----------------------------------------------------------------------------------------

#: Wording that points at the project's work plan instead of saying what it means.
PLAN_WORDING = re.compile(
    r"\bissues? ?#?\d"  # a numbered work item
    r"|\b(?:later|next|earlier|previous|future|coming) issues?\b"
    r"|\bissue by issue\b"
    r"|\bthe issue (?:asks|names|says|lists|wants|requires)\b"
    r"|\b(?:residents|spaces|resources|scoring|discipline|notices|rulebook|workdays|accounts|portal) issue(?:'s)?\b"
    r"|\bstop ?#?\d",  # a numbered stop of a plan
    re.IGNORECASE,
)
THIS_FILE = Path(__file__).resolve()


def test_no_text_speaks_of_work_items():
    found = [
        f"{path.relative_to(REPOSITORY)}:{text.count(chr(10), 0, match.start()) + 1}: {match.group()}"
        for path, text in text_files()
        if path != THIS_FILE
        for match in PLAN_WORDING.finditer(text)
    ]
    assert found == []


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("the ledger (issue 5 item 6)", True),
        ("Hooks filled by later issues", True),
        ("fines of the discipline issue", True),
        ("the discipline issue's ladder", True),
        ("the domain apps (filled issue by issue)", True),
        ("every state the issue asks for", True),
        ("done at stop 3", True),
        ("the intake team issues the agreement", False),
        ("the next issued or accepted one", False),
        ("the regulation's issue date", False),
        ("a staff member may issue notices", False),
    ],
)
def test_the_wording_check_itself(text: str, flagged: bool):
    assert bool(PLAN_WORDING.search(text)) is flagged


# --- Test modules ------------------------------------------------------------------------------------


def test_every_collected_test_module_holds_tests():
    """pytest collects ``test_*.py``; helpers belong in ``support`` modules, factories in ``factories.py``."""
    empty = []
    for path in sorted((REPOSITORY / "tests").rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not any(
            (isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"))
            or (isinstance(node, ast.ClassDef) and node.name.startswith("Test"))
            for node in tree.body
        ):
            empty.append(str(path.relative_to(REPOSITORY)))
    assert empty == []
