"""The resident's appeal against a score (第六章第三条) and the administrator's decision on it.

Forms check the shape of the input only; the rules (the window, one pending appeal, who decides,
which numbers are valid) are the services' (scoring.services.appeals, scoring.services.inputs), whose
Chinese messages are put back next to the field.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from opc_community.core.forms import DomainErrorsMixin
from scoring.services.appeals import REASON_MAX_LENGTH


class ScoreAppealForm(DomainErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("Grounds of your appeal"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Say which figure is wrong and why (e.g. an activity you attended, a milestone completed, "
                    "a verified award)."),
    )


class ScoreAppealDecideForm(DomainErrorsMixin, forms.Form):
    """Upheld with the corrected inputs (blank = unchanged), or dismissed; the answer goes to the resident.
    Milestones planned and the revenue target are the plan's: given, they accept the plan with them."""

    upheld = forms.TypedChoiceField(
        label=_("Decision on the appeal"), choices=((True, _("uphold the appeal")), (False, _("dismiss the appeal"))),
        coerce=lambda value: value in (True, "True", "true", "1"), widget=forms.RadioSelect,
    )
    answer = forms.CharField(label=_("Answer to the resident"), max_length=REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 5}))
    milestones_planned = forms.IntegerField(label=_("milestones planned"), required=False)
    milestones_done = forms.IntegerField(label=_("milestones completed"), required=False)
    revenue = forms.DecimalField(label=_("revenue"), required=False, max_digits=14, decimal_places=2)
    revenue_target = forms.DecimalField(label=_("quarterly revenue target"), required=False, max_digits=14,
                                        decimal_places=2)

    CORRECTION_FIELDS = ("milestones_planned", "milestones_done", "revenue", "revenue_target")

    def correction_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.CORRECTION_FIELDS
                if self.cleaned_data.get(name) is not None}
