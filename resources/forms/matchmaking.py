"""Forms of scenario matchmaking and policy help: the resident's proposal and request, the staff steps."""

from django import forms
from django.utils.translation import gettext_lazy as _

from opc_community.core.forms import DomainErrorsMixin
from resources.models import Outcome, StepKind
from resources.services.policies import NOTE_MAX_LENGTH as HELP_NOTE_MAX_LENGTH
from resources.services.policies import QUESTION_MAX_LENGTH
from resources.services.scenarios import NOTE_MAX_LENGTH, PROPOSAL_MAX_LENGTH

DATE = forms.DateInput(attrs={"type": "date"})


class InterestForm(DomainErrorsMixin, forms.Form):
    """表达意向: a short proposal (editable until the deadline)."""

    proposal = forms.CharField(
        label=_("Proposal"), max_length=PROPOSAL_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What you offer, how you would meet the need, what you have done alike."),
    )


class HelpRequestForm(DomainErrorsMixin, forms.Form):
    """申请协助: what help the resident needs with the policy."""

    question = forms.CharField(
        label=_("What help is needed"), max_length=QUESTION_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Eligibility, materials, the form, the submission…"),
    )


class StepForm(DomainErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Step"), choices=StepKind.choices)
    happened_on = forms.DateField(label=_("Date"), widget=DATE)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", "—"), *Outcome.choices], required=False,
                                help_text=_("Only for the outcome step."))
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=14, decimal_places=2, required=False,
                                help_text=_("Funded amount, order value or contract value."))
    note = forms.CharField(label=_("Note"), max_length=NOTE_MAX_LENGTH, required=False)


class HelpNoteForm(DomainErrorsMixin, forms.Form):
    note = forms.CharField(label=_("Note for the resident"), max_length=HELP_NOTE_MAX_LENGTH, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))


class HelpSubmittedForm(HelpNoteForm):
    submitted_on = forms.DateField(label=_("Submitted to the authority on"), widget=DATE, required=False,
                                   help_text=_("Empty: today."))


class HelpDecisionForm(HelpNoteForm):
    granted = forms.TypedChoiceField(label=_("Authority's answer"), coerce=lambda v: v == "yes",
                                     choices=[("yes", _("granted")), ("no", _("not granted"))])
    amount = forms.DecimalField(label=_("Amount granted (yuan)"), max_digits=14, decimal_places=2, required=False)
    decided_on = forms.DateField(label=_("Answer given on"), widget=DATE, required=False,
                                 help_text=_("Empty: today."))
