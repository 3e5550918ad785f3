"""Reading the audit trail: one model's history or one object's, newest first, a page at a time.

Each audited model has its own event table (``opc_community.core.audit``). A page reads that one
table — never the union of every event table that ``pghistory.models.Events`` builds, whose JSON
diff of every row made the page take 16 s at 10,000 residents (docs/performance.md "Audit trail").
Pages are keyset-paginated on ``pgh_id`` (``before``), so the hundredth page costs what the first
does; the diff of an update is computed in Python against the object's previous event, found through
the ``(pgh_obj, pgh_id)`` index every event table has (``opc_community.core.audit.audited``).

Values are shown the way the forms show them: choices by their label, booleans as 是/否, an empty
value as "（空）" — never ``None`` or a code name.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import BigIntegerField, OuterRef, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from pghistory import core as pghistory_core

from opc_community.accounts.models import User

ACTIONS = {"insert": _("created"), "update": _("changed"), "delete": _("deleted")}
PAGE_SIZE = 50


@dataclass(frozen=True)
class Change:
    label: str
    before: str | None  # None: not a change but a value (a creation or a deletion)
    after: str


@dataclass
class Entry:
    pk: int
    at: datetime
    action: str
    object_id: Any
    changes: list[Change] = field(default_factory=list)
    actor: str = ""
    source: str = ""


@dataclass
class Page:
    entries: list[Entry]
    older: int | None  # the ``before`` of the next (older) page, None on the last page


def event_model(tracked: type[models.Model]) -> type[models.Model] | None:
    """The event model recording ``tracked`` (None when it is not audited)."""
    for candidate in pghistory_core.event_models(tracks_model=tracked):
        if hasattr(candidate, "pgh_obj"):
            return candidate
    return None


@dataclass(frozen=True)
class Choice:
    label: str  # app_label.ModelName, the ``model`` of the trail's URL
    name: str


def audited_models() -> list[tuple[str, list[Choice]]]:
    """Every audited model by app (no query): what the trail's first page offers to choose from."""
    tracked = {m.pgh_tracked_model for m in pghistory_core.event_models() if hasattr(m, "pgh_obj")}
    by_app: dict[str, list[Choice]] = {}
    for model in tracked:
        by_app.setdefault(str(model._meta.app_config.verbose_name), []).append(
            Choice(model._meta.label, str(model._meta.verbose_name_plural))
        )
    return [(app, sorted(choices, key=lambda c: c.name)) for app, choices in sorted(by_app.items())]


def tracked_model(label: str | None) -> type[models.Model] | None:
    """The audited model named ``app_label.ModelName`` (None for anything else)."""
    if not label:
        return None
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return None
    return model if event_model(model) is not None else None


def _tracked_fields(events: type[models.Model]) -> list[models.Field]:
    return [f for f in events._meta.concrete_fields if not f.name.startswith("pgh_")]


def _empty() -> str:
    return gettext("(empty)")


def display(model_field: models.Field, value: Any) -> str:
    """One stored value as a person reads it."""
    if value is None or value == "":
        return _empty()
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "DATE_FORMAT")
    if model_field.is_relation:
        return f"#{value}"
    return str(value)


def _changes(fields: Sequence[models.Field], event: Any, previous: Any | None) -> list[Change]:
    changes = []
    for model_field in fields:
        after = getattr(event, model_field.attname)
        label = str(model_field.verbose_name)
        if previous is None:
            if after is not None and after != "":
                changes.append(Change(label, None, display(model_field, after)))
            continue
        before = getattr(previous, model_field.attname)
        if before != after:
            changes.append(Change(label, display(model_field, before), display(model_field, after)))
    return changes


def _source(context: dict | None) -> str:
    context = context or {}
    return str(context.get("url") or context.get("action") or context.get("command") or "")


def history(
    tracked: type[models.Model], *, object_id: Any = None, before: int | None = None
) -> Page:
    """One page of ``tracked``'s history (of the object ``object_id`` when given), newest first.

    Two queries whatever the number of events: the page (with its context row, the acting user's name
    and the id of each object's previous event) and those previous events (to diff updates against).
    """
    events = event_model(tracked)
    assert events is not None, f"{tracked._meta.label} is not audited"
    rows = events.objects.all()
    if object_id is not None:
        rows = rows.filter(pgh_obj_id=object_id)
    if before is not None:
        rows = rows.filter(pgh_id__lt=before)
    user_id = Cast(KeyTextTransform("user", OuterRef("pgh_context__metadata")), BigIntegerField())
    previous_id = (
        events.objects.filter(pgh_obj_id=OuterRef("pgh_obj_id"), pgh_id__lt=OuterRef("pgh_id"))
        .order_by("-pgh_id")
        .values("pgh_id")[:1]
    )
    page = list(
        # Query 1: the page, newest first, one more row to know whether an older page exists.
        rows.select_related("pgh_context")
        .annotate(
            actor_name=Subquery(User.objects.filter(pk=user_id).values("full_name")[:1]),
            previous_id=Subquery(previous_id),
        )
        .order_by("-pgh_id")[: PAGE_SIZE + 1]
    )
    older = page[PAGE_SIZE - 1].pgh_id if len(page) > PAGE_SIZE else None
    page = page[:PAGE_SIZE]
    wanted = {e.previous_id for e in page if e.pgh_label == "update" and e.previous_id is not None}
    # Query 2: the previous event of each updated object (skipped when the page has no update).
    previous = events.objects.in_bulk(wanted) if wanted else {}
    fields = _tracked_fields(events)
    return Page(
        entries=[
            Entry(
                pk=event.pgh_id,
                at=event.pgh_created_at,
                action=str(ACTIONS.get(event.pgh_label, event.pgh_label)),
                object_id=event.pgh_obj_id,
                changes=_changes(
                    fields,
                    event,
                    previous.get(event.previous_id) if event.pgh_label == "update" else None,
                ),
                actor=event.actor_name or gettext("system"),
                source=_source(event.pgh_context.metadata if event.pgh_context_id else None),
            )
            for event in page
        ],
        older=older,
    )
