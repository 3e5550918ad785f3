"""Forms of desk change requests (第四章第一条): the resident's request and the team's decision.

Forms check the shape of the input; the rules (free desk, one open request, who decides)
are the services' (``spaces.services.desks``).
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from spaces.models import Desk
from spaces.selectors.desks import free_desks
from spaces.services.desks import REASON_MAX_LENGTH


class DeskChoiceField(forms.ModelChoiceField):
    """A desk shown with its floor and zone ("A-101 · 3F · A 区")."""

    def label_from_instance(self, desk: Desk) -> str:
        return f"{desk.code} · {desk.floor} · {desk.zone}"


def check_in_desk_field() -> DeskChoiceField:
    """The staff check-in form's desk (the check-in step's choice): one of the free desks."""
    return DeskChoiceField(
        label=_("Desk"), queryset=free_desks(), empty_label=None,
        help_text=_("Free desks in use, by floor and zone."),
    )


class DeskRequestForm(forms.Form):
    """A resident asks to move desks: a reason and, optionally, a free desk it prefers."""

    reason = forms.CharField(
        label=_("Why do you want to change desks?"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    preferred_desk = DeskChoiceField(
        label=_("preferred desk (optional)"),
        queryset=Desk.objects.none(),
        required=False,
        empty_label=_("No preference: the team chooses"),
        help_text=_("Only free desks are listed. The daily management team decides which desk you get."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["preferred_desk"].queryset = free_desks()


class DeskApproveForm(forms.Form):
    """The team approves a request, choosing the desk among the free ones (the preferred one first)."""

    desk = DeskChoiceField(label=_("new desk"), queryset=Desk.objects.none())
    note = forms.CharField(
        label=_("note to the resident (optional)"), required=False, max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["desk"].queryset = free_desks()


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("reason for the refusal (the resident reads it)"), max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
    )
