"""Extension point: stored deadlines that follow the calendar (RULEBOOK §2).

A deadline in 工作日 is computed once, at its event, from the rulebook version in force and the
calendar as it stands, and stored. Where the count reaches into a year whose official schedule is
not loaded, it falls back to Monday–Friday and is stored *provisional*. When staff load or edit
the calendar (``workdays.services``), every open provisional deadline is computed again from its
own event, with the calendar as it now stands (ARCHITECTURE.md: "a calendar change recomputes
the provisional ones").

The calendar sits below every app that stores such a deadline, so it does not import them: each
registers, in its ``AppConfig.ready()``, a :class:`DeadlineKind`::

    register_deadline_kind(DeadlineKind(
        key="residents.complaint",
        label=_("complaints (response and solution)"),
        open_provisional=lambda: Complaint.objects.filter(<open>, due_provisional=True),
        recompute=complaint_deadlines.complaints_recompute_provisional,
    ))

* ``open_provisional()`` is the queryset of rows still waiting on a provisional deadline (the
  admin counts them);
* ``recompute()`` recomputes them — normally with :func:`workdays.services.recompute_deadlines`,
  one read and one batched write however many rows — clears the stored provisional flag of each
  deadline that is now final, withdraws the overdue flags (notifications) raised under a date that
  moved, and returns a :class:`Recomputed`. It runs inside the calendar change's transaction.

A key registered twice with the same functions is harmless; with different ones it is a
configuration error.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet


@dataclass(frozen=True)
class Recomputed:
    """What one kind's recomputation did."""

    deadlines: int = 0  # open provisional deadlines computed again
    moved: int = 0  # ... whose date changed
    settled: int = 0  # rows whose deadlines are no longer provisional
    flags_cleared: int = 0  # overdue notifications withdrawn because their deadline moved

    def as_dict(self) -> dict[str, int]:
        return {
            "deadlines": self.deadlines,
            "moved": self.moved,
            "settled": self.settled,
            "flags_cleared": self.flags_cleared,
        }


@dataclass(frozen=True)
class DeadlineKind:
    key: str
    label: Any  # a lazy translation
    open_provisional: Callable[[], QuerySet[Any]]
    recompute: Callable[[], Recomputed]


_kinds: dict[str, DeadlineKind] = {}


def register_deadline_kind(kind: DeadlineKind) -> None:
    registered = _kinds.get(kind.key)
    if registered is not None and registered != kind:
        raise ImproperlyConfigured(f"Deadline kind {kind.key!r} is already registered: {registered!r}.")
    _kinds[kind.key] = kind


def deadline_kinds() -> list[DeadlineKind]:
    return list(_kinds.values())


def label_of(key: str) -> Any:
    """The label of a registered kind (its key when the kind is gone, e.g. in an old record)."""
    kind = _kinds.get(key)
    return kind.label if kind is not None else key
