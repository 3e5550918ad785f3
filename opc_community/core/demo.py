"""Demo data: a believable community for ``make run`` (``manage.py seed_demo``).

Each app that has demo data provides ``<app>/demo.py`` with ``seed(demo: Demo) -> None``;
they run in :data:`SEEDERS` order inside one transaction, and each is idempotent
(get-or-create by natural keys), so running the command again changes nothing.
Later apps extend the community by adding their module to the list.
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


def seed_all(demo: Demo) -> Demo:
    for module in SEEDERS:
        import_module(f"{module}.demo").seed(demo)
    return demo
