"""The dependency direction (docs/architecture.md; ARCHITECTURE.md "Dependency direction"): the import
contracts of pyproject.toml, which `make test` runs as `lint-imports`.

The code keeps them; the layers are listed in the intended order; and the same contracts, applied to a
throw-away copy of the package layout, fail on an upward import and on the core importing a domain app —
so a contract that silently checked nothing would be caught here.
"""

import importlib
from pathlib import Path

import pytest
from importlinter import api
from importlinter.application import use_cases

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
DOMAIN_APPS = ["discipline", "scoring", "resources", "spaces", "residents"]  # highest first


def contracts(config: dict) -> dict[str, dict]:
    return {contract["id"]: contract for contract in config["contracts_options"]}


def lint(config_file: Path) -> bool:
    return use_cases.lint_imports(config_filename=str(config_file), cache_dir=None, no_logo=True)


def test_the_code_keeps_the_contracts():
    assert lint(PYPROJECT)


def test_the_layers_are_listed_in_order_and_the_core_imports_no_domain_app():
    config = contracts(api.read_configuration(str(PYPROJECT)))
    assert config["domain-layers"]["type"] == "layers"
    assert config["domain-layers"]["layers"] == DOMAIN_APPS
    assert config["core-independent"]["type"] == "forbidden"
    assert config["core-independent"]["source_modules"] == ["opc_community"]
    assert sorted(config["core-independent"]["forbidden_modules"]) == sorted(DOMAIN_APPS)


# --- The same contracts on a throw-away layout ----------------------------------------------------------


def _copy_of_the_contracts(root: Path, prefix: str) -> Path:
    """pyproject.toml's contracts with every package renamed ``<prefix><name>``, and one empty package per
    name under ``root`` (the real packages are imported already, so the copy needs names of its own)."""
    config = api.read_configuration(str(PYPROJECT))
    names = config["session_options"]["root_packages"]
    for name in names:
        (root / f"{prefix}{name}").mkdir()
        (root / f"{prefix}{name}" / "__init__.py").write_text("")

    def renamed(values: list[str]) -> str:
        return ", ".join(f'"{prefix}{value}"' for value in values)

    layers = contracts(config)["domain-layers"]
    forbidden = contracts(config)["core-independent"]
    toml = root / "pyproject.toml"
    toml.write_text(
        f"[tool.importlinter]\nroot_packages = [{renamed(names)}]\n\n"
        f'[[tool.importlinter.contracts]]\nid = "domain-layers"\nname = "layers"\ntype = "layers"\n'
        f"layers = [{renamed(layers['layers'])}]\n\n"
        f'[[tool.importlinter.contracts]]\nid = "core-independent"\nname = "core"\ntype = "forbidden"\n'
        f"source_modules = [{renamed(forbidden['source_modules'])}]\n"
        f"forbidden_modules = [{renamed(forbidden['forbidden_modules'])}]\n"
    )
    importlib.invalidate_caches()
    return toml


@pytest.fixture
def layout(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


@pytest.mark.parametrize(
    ("importer", "imported", "kept"),
    [
        ("spaces", "residents", True),  # downward: allowed
        ("discipline", "opc_community", True),  # a domain app uses the core
        ("residents", "spaces", False),  # upward: refused
        ("spaces", "discipline", False),
        ("scoring", "discipline", False),
        ("opc_community", "residents", False),  # the core imports a domain app: refused
    ],
)
def test_the_contracts_refuse_an_upward_import(layout, importer, imported, kept):
    prefix = f"copy_{importer}_{imported}_"
    toml = _copy_of_the_contracts(layout, prefix)
    (layout / f"{prefix}{importer}" / "uses.py").write_text(f"import {prefix}{imported}\n")
    assert lint(toml) is kept
