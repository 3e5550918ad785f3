"""Extension points of the notice board: close hooks and the sources of known names.

Close hooks: how the app that owns a publication learns that its window is over (RULEBOOK §10).

The contract, for owning apps (discipline: reward and penalty decisions; scoring:
quarterly results; rulebook: rule revisions; …):

* Register once, in your ``AppConfig.ready()``::

      from opc_community.notices.models import PublicationKind
      from opc_community.notices.registry import register_close_handler

      register_close_handler(PublicationKind.PENALTY_DECISION, penalty_publication_closed)

  One handler per kind. Registering the same function again is harmless; a second,
  different handler for a kind is a configuration error.
* Publish with ``notices.services.publication_open(kind=..., subject=your_object, staff_text=..., ...)``:
  compose the text from your object's fields (a resident by ``residents.rules.naming.public_name``)
  and pass what staff typed as ``staff_text``, which is scanned for personal data first.
* ``handler(publication, *, overturned: bool) -> None`` is called exactly once per
  publication, when it closes: by the hourly job once the window is over without pending
  objections, or when staff decide the last pending objection afterwards.
  ``overturned`` is True when an objection was upheld: the decision does not take
  effect. ``publication.subject`` is your object; ``publication.outcome`` and
  ``publication.closed_at`` are already set.
* The handler runs **inside the closing transaction**: make your own state change there
  (through your own services), so that both commit or neither does. If it raises, the
  close rolls back and the hourly job tries again. Anything that leaves the database
  (email, PDF rendering, Celery tasks, inbox notifications) goes through
  ``transaction.on_commit`` so that nothing is announced for a close that rolled back.
* A withdrawn publication (``publication_withdraw``) never reaches its handler.
* Kinds without a handler (service procedures, policy notices…) simply close.

Known names (RULEBOOK §10, decisions added 2026-12): staff-typed text is refused for publication
while it holds the full name of any person the system knows. Each app that stores people's names
registers where, in its ``AppConfig.ready()``::

      register_name_source(Visitor, "name")

The notice board reads every source with one query (``selectors.known_names_in``).

Service figures (服务公示, 第四章第四条 2): the public service-quality page shows each app's figures
month by month without importing the apps. Each app registers a provider in its ``AppConfig.ready()``::

      register_service_figures("complaints", complaint_figures)

``provider(months, *, now) -> list[ServiceSection]`` gets the first days of the months shown (oldest
first) and returns its sections with one value per month. It reads with a fixed number of set-based
queries whatever the number of rows, and returns counts and shares only — never a person.
"""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model

from opc_community.notices.models import Publication, PublicationKind
from opc_community.notices.rules import ServiceSection


class CloseHandler(Protocol):
    def __call__(self, publication: Publication, *, overturned: bool) -> None: ...


_close_handlers: dict[str, CloseHandler] = {}


def register_close_handler(kind: str, handler: CloseHandler) -> None:
    """Have ``handler`` called when a publication of ``kind`` closes (see the module docstring)."""
    if kind not in PublicationKind.values:
        raise ImproperlyConfigured(f"Unknown publication kind {kind!r}.")
    registered = _close_handlers.get(kind)
    if registered is not None and registered is not handler:
        raise ImproperlyConfigured(
            f"Publications of kind {kind!r} already have a close handler: {registered!r}."
        )
    _close_handlers[kind] = handler


def notify_closed(publication: Publication, *, overturned: bool) -> None:
    """Call the close handler of the publication's kind, if any (inside the caller's transaction)."""
    handler = _close_handlers.get(publication.kind)
    if handler is not None:
        handler(publication, overturned=overturned)


_name_sources: dict[str, tuple[type[Model], str]] = {}


def register_name_source(model: type[Model], field: str) -> None:
    """Have the full names in ``model.field`` count as known names (registering twice is harmless)."""
    model._meta.get_field(field)  # a typo fails at start-up, not at the first publication
    _name_sources[f"{model._meta.label}.{field}"] = (model, field)


def name_sources() -> list[tuple[type[Model], str]]:
    return list(_name_sources.values())


class ServiceFiguresProvider(Protocol):
    def __call__(self, months: Sequence[date], *, now: datetime) -> Sequence[ServiceSection]: ...


_service_figures: dict[str, ServiceFiguresProvider] = {}


def register_service_figures(name: str, provider: ServiceFiguresProvider) -> None:
    """Have ``provider``'s sections shown on the service-quality page (registering again is harmless)."""
    _service_figures[name] = provider


def service_figure_providers() -> list[ServiceFiguresProvider]:
    return list(_service_figures.values())
