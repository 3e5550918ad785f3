"""Forms of agreements, the ledger, check-in and orientation (portal and operations desk).

Forms only validate shape; every rule is checked by the services, whose
DomainError is put next to the field it names.
"""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opc_community.core.forms import admin_picker
from opc_community.core.idempotency import SubmitOnceForm
from residents.extensions import check_in_steps
from residents.models import (
    Agreement,
    DepositEntry,
    DepositEntryKind,
    FeePeriod,
    Invoice,
    InvoiceKind,
    PaymentMethod,
    Resident,
    ResidentStatus,
)

MONEY = {"max_digits": 12, "decimal_places": 2}


# --- Portal ---------------------------------------------------------------------------------


class AgreementAcceptForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I have read 《OPC社区入驻协议》 and the Regulation, and I accept this agreement."),
        required=True,
        error_messages={"required": _("Tick the box to accept the agreement.")},
    )


class OrientationForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I have read and understood the community rules and the reward and penalty mechanism, and I will follow them."),
        required=True,
        error_messages={"required": _("Tick the box to confirm that you have read the rules.")},
    )


# --- Operations desk -------------------------------------------------------------------------


class AgreementIssueForm(forms.Form):
    """Issuing 《OPC社区入驻协议》: the term follows from the start date and the rulebook."""

    resident = forms.ModelChoiceField(
        label=_("Resident"),
        queryset=Resident.objects.filter(status=ResidentStatus.ONBOARDING).order_by("name"),
        help_text=_("Approved residents who have not checked in yet."),
        widget=admin_picker(Agreement._meta.get_field("resident")),
    )
    starts_on = forms.DateField(
        label=_("Start date"), initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The term runs from this day for the months the rulebook in force sets (第三章第三条)."),
    )
    fee_period = forms.ChoiceField(label=_("Fee period"), choices=FeePeriod.choices, initial=FeePeriod.MONTHLY)
    fee_amount = forms.DecimalField(
        label=_("Fee (yuan)"), min_value=Decimal("0"), **MONEY,
        help_text=_("Per month for a monthly fee, for the whole term otherwise; 0 for no fee."),
    )
    deposit_amount = forms.DecimalField(label=_("Deposit (yuan)"), min_value=Decimal("0"), **MONEY)


class PaymentForm(SubmitOnceForm):
    """Money received against an invoice: recorded once however often the page is sent."""

    amount = forms.DecimalField(label=_("Amount (yuan)"), min_value=Decimal("0.01"), **MONEY)
    paid_on = forms.DateField(
        label=_("Paid on"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    method = forms.ChoiceField(
        label=_("Method"),
        choices=[(value, label) for value, label in PaymentMethod.choices if value != PaymentMethod.REVERSAL],
    )
    reference = forms.CharField(label=_("Reference (bank or transaction number)"), max_length=100, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, widget=forms.Textarea(attrs={"rows": 3}))


class CheckInForm(forms.Form):
    """One field per registered check-in step (``residents.extensions``; the spaces app: the desk)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for step in check_in_steps():
            self.fields[step.choice] = step.form_field()

    @staticmethod
    def choices(data: dict[str, Any]) -> dict[str, Any]:
        """The check-in service's keywords from the cleaned data (``resident_check_in(**choices)``)."""
        return {step.choice: data.get(step.choice) for step in check_in_steps()}


class InvoiceAddForm(forms.Form):
    """An ad-hoc charge (compensation, other); fees come from agreements, fines from discipline."""

    resident = forms.ModelChoiceField(
        label=_("Resident"), queryset=Resident.objects.exclude(status=ResidentStatus.EXITED).order_by("name"),
        widget=admin_picker(Invoice._meta.get_field("resident")),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=InvoiceKind.choices, initial=InvoiceKind.OTHER)
    description = forms.CharField(label=_("Description"), max_length=200)
    amount = forms.DecimalField(label=_("Amount (yuan)"), min_value=Decimal("0.01"), **MONEY)
    due_on = forms.DateField(label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class DepositEntryForm(SubmitOnceForm):
    """A deposit movement: recorded once however often the page is sent."""

    resident = forms.ModelChoiceField(
        label=_("Resident"), queryset=Resident.objects.order_by("name"),
        widget=admin_picker(DepositEntry._meta.get_field("resident")),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=DepositEntryKind.choices, initial=DepositEntryKind.PAID)
    amount = forms.DecimalField(label=_("Amount (yuan)"), min_value=Decimal("0.01"), **MONEY)
    on = forms.DateField(label=_("Date"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
