"""Forms of emergency plans (第七章第四条): a new version, activating, the timeline. The rules are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from spaces.models import PlanKind


class PlanForm(forms.Form):
    kind = forms.ChoiceField(label=_("plan kind"), choices=PlanKind.choices)
    title = forms.CharField(label=_("title"), max_length=120)
    roles = forms.CharField(label=_("roles and responsibilities"), widget=forms.Textarea(attrs={"rows": 6}),
                            help_text=_("One role a line: who does what (e.g. 总指挥：行政管理员)."))
    procedures = forms.CharField(label=_("procedures"), widget=forms.Textarea(attrs={"rows": 10}),
                                 help_text=_("One step a line, in order."))


class ActivateForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=300,
                             help_text=_("What happened; the administrator is told at once."))


class TimelineForm(forms.Form):
    text = forms.CharField(label=_("action"), widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("What was done; who and when are recorded."))


class EndForm(forms.Form):
    summary = forms.CharField(label=_("summary"), widget=forms.Textarea(attrs={"rows": 3}))
