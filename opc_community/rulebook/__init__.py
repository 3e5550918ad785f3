"""The versioned rulebook (RULEBOOK §11). Public API::

    from opc_community import rulebook
    rules = rulebook.in_force(on=date)   # typed rules of the version in force that day
    rules_on = rulebook.in_force_by_day()  # the same for many days, versions read once
    with rulebook.versions_held(): ...     # every in_force() of the block from versions read once
    rules.scoring.participation.bands, rules.deadlines.publication_window_working_days, ...

Imports the ORM lazily so that the package can be imported while Django starts.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opc_community.rulebook.schema import Rulebook


def in_force(on: date | None = None) -> "Rulebook":
    from opc_community.rulebook import selectors

    return selectors.in_force(on)


def in_force_by_day() -> "Callable[[date], Rulebook]":
    from opc_community.rulebook import selectors

    return selectors.in_force_by_day()


def versions_held() -> AbstractContextManager[None]:
    from opc_community.rulebook import selectors

    return selectors.versions_held()
