"""Forms of safety drills (第七章第四条): planning one, its after-action report. The rules are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from resources.models import DrillType
from resources.models.drills import SafetyDrill

_DT = {"type": "datetime-local"}
_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class DrillPlanForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=120)
    drill_type = forms.ChoiceField(label=_("drill type"), choices=DrillType.choices)
    plan_kind = forms.ChoiceField(label=_("emergency plan exercised"), required=False,
                                  choices=[("", "—"), *SafetyDrill._meta.get_field("plan_kind").choices])
    starts_at = forms.DateTimeField(label=_("starts at"), input_formats=_FORMATS,
                                    widget=forms.DateTimeInput(attrs=_DT, format=_FORMATS[0]))
    ends_at = forms.DateTimeField(label=_("ends at"), input_formats=_FORMATS,
                                  widget=forms.DateTimeInput(attrs=_DT, format=_FORMATS[0]))
    place = forms.CharField(label=_("place"), max_length=120)
    capacity = forms.IntegerField(label=_("capacity (people)"), min_value=1, max_value=1000)
    counts_for_attendance = forms.BooleanField(
        label=_("counts for attendance"), required=False,
        help_text=_("Counted in every checked-in resident's participation rate (第六章第一条)."))
    description = forms.CharField(label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class DrillReportForm(forms.Form):
    report = forms.CharField(label=_("after-action report"), widget=forms.Textarea(attrs={"rows": 6}))
    findings = forms.CharField(label=_("findings"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                               help_text=_("One finding a line; each becomes a safety work item."))
