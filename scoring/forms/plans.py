"""Forms of the quarterly plan (RULEBOOK §7.1, decision added 2026-12): the resident's plan and its change
requests, staff's reasons. Shape only: the rules (deadline, numbers, who) are ``scoring.services.plans``',
whose refusals the views put next to the field named."""

from django import forms
from django.utils.translation import gettext_lazy as _

from opc_community.core.forms import DomainErrorsMixin
from scoring.services.plans import TEXT_MAX_LENGTH


class PlanForm(DomainErrorsMixin, forms.Form):
    """Not required here: the service names a missing value and its rule."""

    milestones_planned = forms.IntegerField(
        label=_("milestones planned"), required=False,
        help_text=_("The milestones you commit to complete this quarter (from your project plan)."))
    revenue_target = forms.DecimalField(
        label=_("quarterly revenue target (yuan)"), required=False, decimal_places=2, max_digits=14,
        help_text=_("Only once staff accept it does a zero target count as 100 %, e.g. for a pre-revenue "
                    "project (Chapter 6, Article 1)."))
    note = forms.CharField(label=_("what the milestones are"), required=False, max_length=TEXT_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=_("One line per milestone, so that staff can judge the plan."))


class PlanChangeForm(DomainErrorsMixin, forms.Form):
    milestones_planned = forms.IntegerField(label=_("milestones planned"), required=False)
    revenue_target = forms.DecimalField(label=_("quarterly revenue target (yuan)"), required=False,
                                        decimal_places=2, max_digits=14)
    reason = forms.CharField(label=_("reason for the change"), max_length=TEXT_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 4}),
                             help_text=_("Staff approve or refuse the change with their reason."))


class StaffReasonForm(forms.Form):
    """The reason staff give when returning a plan or deciding a change (the resident reads it)."""

    reason = forms.CharField(label=_("reason"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))
