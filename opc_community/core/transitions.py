"""State machines (STYLE.md #3): one way to move a row from one status to another.

Each model declares its allowed transitions as a map ``{from: {to, ...}}`` next to
the model (``<NAME>_TRANSITIONS`` in the app's ``models``), one map per model, used by
every service that moves it; a service locks the row (:func:`lock`), then calls
:func:`move`, which refuses a move outside the map with a translated message naming
both states, and writes the new status with a compare-and-set
(``filter(status=old).update(...)``) so that a concurrent writer can never be
silently overwritten. A page that shows the button of a move asks :func:`can_move`
with the same map, so it never offers what the service refuses.
"""

from collections.abc import Collection, Mapping
from typing import Any, TypeVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community.core.errors import InvalidTransition

ModelT = TypeVar("ModelT", bound=models.Model)


def lock(instance: ModelT) -> ModelT:
    """The row re-read with ``SELECT … FOR UPDATE`` (call inside the service's transaction).

    Related rows the caller already loaded (``case.resident``) stay on the locked row while it points at
    the same ones: the lock re-reads this row, not theirs, so reading them again would only cost queries."""
    related = _loaded_related(instance)
    locked = type(instance)._default_manager.select_for_update(no_key=True).get(pk=instance.pk)
    _restore_related(locked, related)
    return locked


def _loaded_related(instance: models.Model) -> list[tuple[Any, Any, models.Model]]:
    """(field, key, object) of each foreign key whose object is loaded on ``instance``."""
    return [
        (field, getattr(instance, field.attname), field.get_cached_value(instance))
        for field in instance._meta.concrete_fields
        if field.is_relation and field.is_cached(instance)
    ]


def _restore_related(instance: models.Model, related: list[tuple[Any, Any, models.Model]]) -> None:
    for field, key, value in related:
        if getattr(instance, field.attname) == key:
            field.set_cached_value(instance, value)


def _label(instance: models.Model, field: str, value: str) -> str:
    return str(dict(instance._meta.get_field(field).flatchoices).get(value, value))


def can_move(
    instance: models.Model,
    to_status: str,
    *,
    transitions: Mapping[str, Collection[str]],
    field: str = "status",
) -> bool:
    """Whether the map allows ``to_status`` from the instance's current status (the predicate of :func:`move`)."""
    return to_status in transitions.get(getattr(instance, field), ())


def ensure_can_move(
    instance: models.Model,
    to_status: str,
    *,
    transitions: Mapping[str, Collection[str]],
    field: str = "status",
) -> None:
    """Raise InvalidTransition unless ``to_status`` is allowed from the instance's current status."""
    current = getattr(instance, field)
    if not can_move(instance, to_status, transitions=transitions, field=field):
        raise InvalidTransition(
            _("This %(what)s is “%(status)s” and cannot become “%(target)s”.")
            % {
                "what": instance._meta.verbose_name,
                "status": _label(instance, field, current),
                "target": _label(instance, field, to_status),
            }
        )


def move(
    instance: ModelT,
    to_status: str,
    *,
    transitions: Mapping[str, Collection[str]],
    field: str = "status",
    **fields: Any,
) -> ModelT:
    """Compare-and-set ``field`` to ``to_status`` (plus ``fields``) on a locked row; return it refreshed."""
    ensure_can_move(instance, to_status, transitions=transitions, field=field)
    updates = {field: to_status, **fields}
    if any(
        getattr(f, "auto_now", False) and f.name == "updated_at"
        for f in instance._meta.concrete_fields
    ):
        updates["updated_at"] = timezone.now()
    manager = type(instance)._default_manager
    if manager.filter(pk=instance.pk, **{field: getattr(instance, field)}).update(**updates) != 1:
        raise InvalidTransition(
            _("This %(what)s was changed meanwhile; reload and try again.")
            % {"what": instance._meta.verbose_name}
        )
    related = _loaded_related(instance)
    instance.refresh_from_db()
    _restore_related(instance, related)  # as :func:`lock` does
    return instance
