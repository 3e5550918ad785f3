"""The form of "open a violation case from a safety incident" (6a, 6b, 6c)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from discipline.services.incidents import INCIDENT_KINDS
from residents.models import Resident

KIND_LABELS = {"6a": _("6a safety hazard"), "6b": _("6b causing an accident"), "6c": _("6c network misconduct")}


class IncidentCaseForm(forms.Form):
    resident = forms.ModelChoiceField(label=_("resident"), queryset=Resident.objects.all())
    kind = forms.ChoiceField(label=_("violation kind"), choices=[(k, KIND_LABELS[k]) for k in INCIDENT_KINDS])
    facts = forms.CharField(label=_("facts"), widget=forms.Textarea(attrs={"rows": 4, "cols": 60}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


ROUND_KIND_LABELS = {"2b": _("2b polluting the environment"), "6a": _("6a safety hazard")}


class RoundExceptionCaseForm(forms.Form):
    """Refer a closing round's exception for a violation case (2b or 6a)."""

    resident = forms.ModelChoiceField(label=_("resident"), queryset=Resident.objects.all())
    kind = forms.ChoiceField(label=_("violation kind"), choices=list(ROUND_KIND_LABELS.items()))
    facts = forms.CharField(label=_("facts"), widget=forms.Textarea(attrs={"rows": 4, "cols": 60}))
