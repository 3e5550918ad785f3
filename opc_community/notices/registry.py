"""Close hooks: how the app that owns a publication learns that its window is over (RULEBOOK §10).

The contract, for owning apps (discipline: reward and penalty decisions; scoring:
quarterly results; rulebook: rule revisions; …):

* Register once, in your ``AppConfig.ready()``::

      from opc_community.notices.models import PublicationKind
      from opc_community.notices.registry import register_close_handler

      register_close_handler(PublicationKind.PENALTY_DECISION, penalty_publication_closed)

  One handler per kind. Registering the same function again is harmless; a second,
  different handler for a kind is a configuration error.
* Publish with ``notices.services.publication_open(kind=..., subject=your_object, ...)``.
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
"""

from typing import Protocol

from django.core.exceptions import ImproperlyConfigured

from opc_community.notices.models import Publication, PublicationKind


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
