"""Text that is stored for later readers is written in the community language.

A notification, a ledger line or any other sentence kept in the database is read later by other
people, whatever language the person who caused it had chosen for the interface. So it is rendered
under :func:`community_language` (``settings.LANGUAGE_CODE``, Chinese), never in the actor's language.

Callers hand such text over unrendered, as a :data:`StoredText`:

* a lazy string (``gettext_lazy("Your exit is complete")``), or a lazy label (``Kind.X.label``);
* a callable without arguments returning the text, for sentences with values (dates, labels, names):
  ``lambda: _("Violation case %(number)s opened") % {"number": case.number}`` — everything inside,
  ``gettext``, ``format_day``, ``get_kind_display()``, runs in the community language;
* a plain ``str`` only for text that is not translated (what a person typed, a number).

The receiving service renders it once with :func:`render_stored`.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise

#: Text to be stored: rendered later, in the community language (see the module docstring).
StoredText = str | Promise | Callable[[], object]


def community_language() -> AbstractContextManager[None]:
    """Activate the community language (``settings.LANGUAGE_CODE``) inside the ``with`` block."""
    return translation.override(settings.LANGUAGE_CODE)


def render_stored(text: StoredText) -> str:
    """The text as it is stored: a callable called and lazy strings rendered in the community language."""
    with community_language():
        if callable(text):
            text = text()
        return str(text)
