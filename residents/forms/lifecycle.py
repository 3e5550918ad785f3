"""Forms of the term and exits (第三章第三条、第四条): the resident's renewal request and exit
application, and the reasons and notes staff give in the operations desk.

Forms check the shape of the input; the rules (notice period, renewal window and
conditions, who may do what) are the services' (residents.services.lifecycle).
"""

from datetime import date

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _


class RenewalRequestForm(forms.Form):
    note = forms.CharField(
        label=_("Anything the intake team should know (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class VoluntaryExitForm(forms.Form):
    exit_on = forms.DateField(
        label=_("Exit date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("At least the rulebook's notice period after today (Chapter 3, Article 4)."),
    )
    reason = forms.CharField(
        label=_("Reason (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: object, earliest: date | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if earliest is not None:
            self.fields["exit_on"].widget.attrs["min"] = earliest.isoformat()
            self.fields["exit_on"].help_text = _(
                "The earliest exit date is %(date)s: a voluntary exit is applied for in writing ahead of "
                "time (Chapter 3, Article 4)."
            ) % {"date": date_format(earliest, "DATE_FORMAT")}


class ReasonForm(forms.Form):
    """The reasons for a refusal or a cancellation (shown to the resident)."""

    reason = forms.CharField(label=_("Reasons (shown to the resident)"), widget=forms.Textarea(attrs={"rows": 4}))


class ClearanceForm(forms.Form):
    """One checklist item of an exit, with an optional note (e.g. "key card returned")."""

    item = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=200)
