"""Forms of the notice board: the public objection form and the desk's decision reason."""

from django import forms
from django.utils.translation import gettext_lazy as _

from opc_community.notices.services import OBJECTION_MAX_LENGTH


class ObjectionForm(forms.Form):
    """An objection during the publication window (RULEBOOK §10)."""

    text = forms.CharField(
        label=_("Your objection"),
        max_length=OBJECTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "State what you object to and why. Staff decide every objection and record the reason."
        ),
    )


class DecisionReasonForm(forms.Form):
    """The reason staff give when they uphold or dismiss objections (admin intermediate page)."""

    reason = forms.CharField(
        label=_("Reason for the decision"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_("Recorded with each decision and kept in the archive."),
    )


class WithdrawalReasonForm(forms.Form):
    """The reason staff give when they withdraw publications (admin intermediate page)."""

    reason = forms.CharField(
        label=_("Reason for withdrawal"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
    )
