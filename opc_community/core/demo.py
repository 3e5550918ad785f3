"""Demo data: a believable community for ``make run`` (``manage.py seed_demo``).

Each app that has demo data provides ``<app>/demo.py`` with ``seed(demo: Demo) -> None``;
they run in :data:`SEEDERS` order inside one transaction, and each is idempotent
(get-or-create by natural keys), so running the command again changes nothing.
Later apps extend the community by adding their module to the list.

A ``demo.py`` may also provide ``seed_register(demo)``: reference data that the seeds of
*lower* apps stand on (the spaces app's desk register, which the residents demo's check-ins
take). :func:`prepare_registers` runs them all before the first seed that needs them, so
that a lower app's demo uses them without importing the higher app (docs/architecture.md).

A ``demo.py`` may also provide ``seed_history(demo)``: past records written after every seed (the
intake funnel's year of former residents), so that no seed of a higher app — the scoring demo's quarter
runs — takes them for today's community.
"""

from dataclasses import dataclass, field
from datetime import datetime
from importlib import import_module

from opc_community.accounts.models import User

DEMO_PASSWORD = "opc-demo-2026"

#: Apps with a ``demo.py``, in dependency order.
SEEDERS = (
    "opc_community.accounts",
    "opc_community.notices",
    "opc_community.portal",
    "residents",
    "spaces",
    "discipline",
    "resources",
    "scoring",
)


@dataclass
class Demo:
    """What seeders share: the cast of demo users by handle, and the moment the data is built for."""

    now: datetime
    users: dict[str, User] = field(default_factory=dict)
    registers_ready: bool = False


def prepare_registers(demo: Demo) -> None:
    """Run every seeder's ``seed_register(demo)`` once per ``demo`` (each is idempotent too)."""
    if demo.registers_ready:
        return
    for module in SEEDERS:
        register = getattr(import_module(f"{module}.demo"), "seed_register", None)
        if register is not None:
            register(demo)
    demo.registers_ready = True


def seed_all(demo: Demo) -> Demo:
    prepare_registers(demo)
    modules = [import_module(f"{module}.demo") for module in SEEDERS]
    for module in modules:
        module.seed(demo)
    for module in modules:
        if (history := getattr(module, "seed_history", None)) is not None:
            history(demo)
    return demo
