"""Forms of mediation (调解, 第四章第三条 2): the resident's request and statements, the desk's steps.

Forms check the shape of the input only; who, when and which state are the services' rules.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opc_community.core.idempotency import SubmitOnceForm
from residents.models import Resident
from residents.services.mediation import PARTIES, PLACE_MAX_LENGTH, TEXT_MAX_LENGTH


class ResidentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class MediationRequestForm(SubmitOnceForm):
    """A resident asks for mediation of a dispute with another resident (once per page)."""

    respondent = ResidentChoiceField(
        label=_("other party"), queryset=Resident.objects.none(), empty_label=_("Choose a resident"),
        help_text=_("The resident you have the dispute with. They will be told and can add their side."),
    )
    facts = forms.CharField(
        label=pgettext_lazy("mediation", "what happened"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The facts: what happened, when and where, and what you already tried to settle it."),
    )
    wish = forms.CharField(
        label=_("what you want"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The outcome you hope the mediation reaches."),
    )

    def __init__(self, *args: Any, requester: Resident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["respondent"].queryset = (
            Resident.objects.filter(status__in=PARTIES).exclude(user_id=requester.user_id).order_by("name")
        )


class StatementForm(forms.Form):
    text = forms.CharField(
        label=_("your statement"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Both parties and the daily management team read it."),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you withdraw the request?"), max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ScheduleForm(forms.Form):
    """The desk schedules (or moves) the session."""

    session_at = forms.SplitDateTimeField(
        label=_("session time"), widget=forms.SplitDateTimeWidget(date_attrs={"type": "date"}, time_attrs={"type": "time"})
    )
    place = forms.CharField(label=_("session place"), max_length=PLACE_MAX_LENGTH)


ATTENDED = [("yes", _("attended")), ("no", _("did not attend"))]
OUTCOMES = [("agreed", _("agreement reached")), ("failed", _("no agreement reached"))]


class CloseForm(forms.Form):
    """The desk records the session and closes the mediation."""

    requester_attended = forms.ChoiceField(label=_("requester"), choices=ATTENDED, widget=forms.RadioSelect)
    respondent_attended = forms.ChoiceField(label=_("other party"), choices=ATTENDED, widget=forms.RadioSelect)
    result = forms.ChoiceField(label=_("outcome"), choices=OUTCOMES, widget=forms.RadioSelect)
    outcome = forms.CharField(
        label=_("agreement or reason it failed"), max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        help_text=_("Both parties read it in the portal."),
    )

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "requester_attended": data["requester_attended"] == "yes",
            "respondent_attended": data["respondent_attended"] == "yes",
            "agreed": data["result"] == "agreed",
            "outcome": data["outcome"],
        }
