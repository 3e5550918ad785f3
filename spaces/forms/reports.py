"""The occupancy report's filters, shared by the admin page, its Excel export and the API.

Query parameters ``from`` and ``to`` (ISO dates, inclusive) and ``room_type``; a missing ``to``
is today, a missing ``from`` is the Monday seven weeks before ``to``'s week (the current ISO week
and the seven before it: spaces.selectors.reports.default_range).
"""

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opc_community.core.errors import DomainError
from opc_community.core.filters import validate_supported_date
from spaces.models import RoomType
from spaces.selectors.reports import DEFAULT_WEEKS, monday_of, validate_range


class OccupancyFilterForm(forms.Form):
    """Always valid without data: an empty form gives the default range."""

    room_type = forms.ChoiceField(
        label=_("room type"), required=False, choices=[("", _("All room types")), *RoomType.choices]
    )

    def __init__(self, *args: Any, today: date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        # "from" is a Python keyword: the fields are added by name.
        self.fields["from"] = forms.DateField(
            label=_("first day"), required=False, validators=[validate_supported_date], widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        )
        self.fields["to"] = forms.DateField(
            label=_("last day"), required=False, validators=[validate_supported_date], widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        )
        self.order_fields(["from", "to", "room_type"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        end = cleaned.get("to") or self.today
        start = cleaned.get("from") or monday_of(end) - timedelta(weeks=DEFAULT_WEEKS - 1)
        try:
            validate_range(start, end)
        except DomainError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
            return cleaned
        cleaned["from"], cleaned["to"] = start, end
        cleaned["room_type"] = cleaned.get("room_type") or None
        return cleaned

    def period(self) -> tuple[date, date, str | None]:
        """``(start, end, room_type)`` of a valid form."""
        return self.cleaned_data["from"], self.cleaned_data["to"], self.cleaned_data["room_type"]
