"""Dashboard cards (UI.md: "what do I need to do, and by when?").

The portal shell does not know the domain apps; each app registers the cards it
can fill from its ``AppConfig.ready()``::

    register_card("agreement", agreement_card_provider)

A provider takes the request and returns a :class:`Card` (template + context) or
None when it has nothing to show for this person; the dashboard then shows the
slot's honest empty state. Slots appear in :data:`SLOTS` order.

Apps also register the portal pages a resident reaches from the dashboard's
"my records" card (``register_shortcut``), so that no page is a dead end to find.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

#: The dashboard's slots, in display order.
SLOTS = ("application", "agreement", "deadlines", "score", "bookings", "complaints", "shortcuts")


@dataclass(frozen=True)
class Card:
    template: str
    data: Any = None  # what the template receives as ``card``


CardProvider = Callable[[HttpRequest], Card | None]
_providers: dict[str, CardProvider] = {}


def register_card(slot: str, provider: CardProvider) -> None:
    if slot not in SLOTS:
        raise ImproperlyConfigured(f"Unknown dashboard slot {slot!r}.")
    if _providers.get(slot) not in (None, provider):
        raise ImproperlyConfigured(f"Dashboard slot {slot!r} already has a provider.")
    _providers[slot] = provider


def cards_for(request: HttpRequest) -> dict[str, Card]:
    """The filled slots for this request (providers run in slot order)."""
    cards = {}
    for slot in SLOTS:
        provider = _providers.get(slot)
        card = provider(request) if provider else None
        if card is not None:
            cards[slot] = card
    return cards


@dataclass(frozen=True)
class Shortcut:
    """A link of the dashboard's shortcuts card: ``label`` (lazy translation) to the page ``url_name``."""

    label: Any
    url_name: str
    checked_in_only: bool = True  # hidden while the resident is still onboarding


_shortcuts: dict[str, Shortcut] = {}


def register_shortcut(shortcut: Shortcut) -> None:
    """Add a link to the shortcuts card; registering the same page twice keeps one link."""
    _shortcuts[shortcut.url_name] = shortcut


def shortcut_links(*, checked_in: bool) -> list[Shortcut]:
    """The registered links, in registration order (apps' ``ready()`` order)."""
    return [link for link in _shortcuts.values() if checked_in or not link.checked_in_only]
