"""Forms of safety (第七章): an inspection on the phone round, closing a work item, reporting an incident,
the staff's triage, action, report to the authorities and closing. The rules are the services'."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from spaces.forms.visitors import DATETIME_INPUT, LocalDateTimeInput
from spaces.models import IncidentCategory, IncidentSeverity, InspectionResult
from spaces.services.safety import NOTE_MAX_LENGTH, PLACE_MAX_LENGTH, TEXT_MAX_LENGTH

_DATETIME_FORMATS = [DATETIME_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
_PHOTO_ACCEPT = {"accept": "image/jpeg,image/png", "capture": "environment"}


def _now() -> Any:
    return timezone.localtime().replace(second=0, microsecond=0)


class InspectionForm(forms.Form):
    """One item of the round: pass, or a defect with a photo and what is wrong."""

    result = forms.ChoiceField(label=_("result"), choices=InspectionResult.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("observation"), max_length=NOTE_MAX_LENGTH, required=False,
                           help_text=_("Required for a defect: what is wrong."))
    photo = forms.FileField(label=_("photo"), required=False, widget=forms.FileInput(attrs=_PHOTO_ACCEPT),
                            help_text=_("JPEG or PNG; required for a defect."))


class WorkItemCloseForm(forms.Form):
    note = forms.CharField(label=_("what was done"), max_length=TEXT_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))
    evidence = forms.FileField(label=_("evidence"), widget=forms.FileInput(attrs=_PHOTO_ACCEPT),
                               help_text=_("A photo of the repair (JPEG or PNG)."))


class IncidentReportForm(forms.Form):
    """Report in under a minute: what, where, when (now by default), a few words, a photo if at hand."""

    category = forms.ChoiceField(label=_("what happened"), choices=IncidentCategory.choices)
    place = forms.CharField(label=_("place"), max_length=PLACE_MAX_LENGTH)
    occurred_at = forms.DateTimeField(label=_("when"), widget=LocalDateTimeInput(), input_formats=_DATETIME_FORMATS)
    description = forms.CharField(label=_("description"), max_length=TEXT_MAX_LENGTH,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    photo = forms.FileField(label=_("photo (optional)"), required=False,
                            widget=forms.FileInput(attrs=_PHOTO_ACCEPT), help_text=_("JPEG or PNG."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occurred_at"].initial = _now()


class TriageForm(forms.Form):
    severity = forms.ChoiceField(label=_("severity"), choices=IncidentSeverity.choices)
    note = forms.CharField(label=_("note"), max_length=TEXT_MAX_LENGTH, required=False,
                           widget=forms.Textarea(attrs={"rows": 2, "cols": 60}))


class IncidentActionForm(forms.Form):
    text = forms.CharField(label=_("action"), max_length=TEXT_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))


class AuthorityReportForm(forms.Form):
    authority = forms.CharField(label=_("authority reported to"), max_length=120,
                                help_text=_("E.g. the police station, the fire brigade, the cyberspace office."))
    reported_at = forms.DateTimeField(label=_("reported at"), widget=LocalDateTimeInput(),
                                      input_formats=_DATETIME_FORMATS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reported_at"].initial = _now()


class IncidentCloseForm(forms.Form):
    outcome = forms.CharField(label=_("outcome"), max_length=TEXT_MAX_LENGTH,
                              widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))


class PatrolForm(forms.Form):
    walked_at = forms.DateTimeField(label=_("walked at"), widget=LocalDateTimeInput(), input_formats=_DATETIME_FORMATS)
    checkpoints = forms.CharField(label=_("check points"), max_length=300,
                                  help_text=_("E.g. 1F lobby, 3F fire exits, 4F server room."))
    observations = forms.CharField(label=_("observations"), max_length=TEXT_MAX_LENGTH, required=False,
                                   widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["walked_at"].initial = _now()
