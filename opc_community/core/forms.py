"""Forms meet services: a service's refusal (DomainError) shown where the person looks."""

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from opc_community.core.errors import DomainError


def add_domain_error(
    form: forms.Form,
    error: DomainError,
    *,
    request: HttpRequest | None = None,
    aliases: Mapping[str, str] | None = None,
) -> None:
    """Put the refusal next to the field it names (a dotted name by its first part, ``aliases``
    mapping a service's names to the form's); any other refusal goes on top of the page — as a
    message when ``request`` is given, else as an error of the whole form."""
    aliases = aliases or {}
    name = (error.field or "").split(".")[0]
    field = aliases.get(error.field or "", aliases.get(name, name))
    if field in form.fields:
        form.add_error(field, str(error.message))
    elif request is not None:
        messages.error(request, error.message)
    else:
        form.add_error(None, str(error.message))


class DomainErrorsMixin:
    """``form.add_domain_error(error)``; a form may set ``field_aliases`` (service name → field)."""

    field_aliases: Mapping[str, str] = {}

    def add_domain_error(self, error: DomainError) -> None:
        add_domain_error(self, error, aliases=self.field_aliases)  # type: ignore[arg-type]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern), optional unless ``required=True``;
    ``accept`` filters the file chooser (the services check each file's type by its content)."""

    def __init__(self, *args: Any, accept: str = ".pdf,.jpg,.jpeg,.png", **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def admin_picker(field: Any, *, search: bool = True) -> forms.Widget:
    """The admin's widget for choosing the row ``field`` (a ForeignKey) points at, without listing every
    row in the page (10,000 residents made 470 KB dropdowns).

    ``search``: the admin's search-as-you-type box (``field`` must be in its model admin's
    ``autocomplete_fields``, and the page must render the form's media); otherwise the number box with
    a look-up link (raw id), which works on any page.
    """
    from django.contrib import admin
    from django.contrib.admin.widgets import AutocompleteSelect, ForeignKeyRawIdWidget

    if search:
        return AutocompleteSelect(field, admin.site)
    return ForeignKeyRawIdWidget(field.remote_field, admin.site)
