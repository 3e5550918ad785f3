"""A save refused after its file was stored (opc_community.core.files): the refusal is forced by making the
service's audit block (``acting_as``, around the row's save) refuse as it closes."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from opc_community.core.errors import DomainError


def files_in(folder: Path) -> list[str]:
    """The files stored under ``folder`` (names relative to it)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@contextmanager
def _refusing(*_args: Any, **_kwargs: Any) -> Iterator[None]:
    yield
    raise DomainError("refused after the row was saved")


def refuse_after_save(monkeypatch: pytest.MonkeyPatch, services_module: object) -> None:
    """The module's ``acting_as`` blocks raise a DomainError once the rows inside are saved."""
    monkeypatch.setattr(services_module, "acting_as", _refusing)
