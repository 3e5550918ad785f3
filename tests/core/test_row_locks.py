"""Every row lock the code takes is ``FOR NO KEY UPDATE`` (``select_for_update(no_key=True)``).

No code changes a primary key, so the stronger ``FOR UPDATE`` only adds one thing: it blocks other
transactions from inserting rows that point at the locked row (their foreign-key check takes
``FOR KEY SHARE``). That is how two requests deadlocked — one held an application and wrote a
transition naming the account, the other held the account and waited for the application — and the
loser got a 503 (tests/residents/test_intake_concurrency.py reproduces it).
"""

import ast

from tests.test_repository_hygiene import REPOSITORY, repository_files

APPS = ("opc_community", "residents", "spaces", "resources", "scoring", "discipline")


def strong_locks(source: str) -> list[int]:
    """Lines of ``select_for_update(...)`` calls that do not pass ``no_key=True``."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "select_for_update"):
            no_key = next((k.value for k in node.keywords if k.arg == "no_key"), None)
            if not (isinstance(no_key, ast.Constant) and no_key.value is True):
                lines.append(node.lineno)
    return lines


def test_every_row_lock_lets_references_to_the_row_be_written():
    found = {
        f"{path.relative_to(REPOSITORY)}:{line}"
        for path in repository_files()
        if path.suffix == ".py" and path.relative_to(REPOSITORY).parts[0] in APPS
        for line in strong_locks(path.read_text(encoding="utf-8"))
    }
    assert not found, sorted(found)


def test_the_lock_check_itself():
    assert strong_locks("Desk.objects.select_for_update().get(pk=1)") == [1]
    assert strong_locks("Desk.objects.select_for_update(of=('self',)).get(pk=1)") == [1]
    assert strong_locks("Desk.objects.select_for_update(no_key=True, of=('self',)).get(pk=1)") == []
