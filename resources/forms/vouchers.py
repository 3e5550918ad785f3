"""Forms of the voucher pages: the resident's application, the staff decisions, usage, import, fraud."""


from django import forms
from django.utils.translation import gettext_lazy as _

from opc_community.core.forms import DomainErrorsMixin, MultipleFileField
from resources.services.vouchers import NOTE_MAX_LENGTH, TEXT_MAX_LENGTH


class ApplicationForm(DomainErrorsMixin, forms.Form):
    """申请算力券/模型券: purpose, amount (default: the programme's face value), materials."""

    purpose = forms.CharField(
        label=_("Purpose"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What you will use the vouchers for: the project, the model or the compute, the expected result."),
    )
    amount = forms.DecimalField(label=_("Amount"), max_digits=12, decimal_places=2, min_value=0, required=False)
    files = MultipleFileField(label=_("Materials"), help_text=_("PDF, JPEG or PNG."))


class ApproveForm(DomainErrorsMixin, forms.Form):
    amount = forms.DecimalField(label=_("Amount approved"), max_digits=12, decimal_places=2, min_value=0,
                                required=False, help_text=_("Empty: the amount requested."))


class RefuseForm(DomainErrorsMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for the refusal"), max_length=NOTE_MAX_LENGTH * 2,
                             widget=forms.Textarea(attrs={"rows": 3}))


class UsageForm(DomainErrorsMixin, forms.Form):
    amount = forms.DecimalField(label=_("Amount used"), max_digits=12, decimal_places=2, min_value=0)
    used_on = forms.DateField(label=_("Used on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label=_("Provider's reference"), max_length=64, required=False)
    note = forms.CharField(label=_("Note"), max_length=NOTE_MAX_LENGTH, required=False)


class ImportForm(DomainErrorsMixin, forms.Form):
    statement = forms.FileField(
        label=_("Provider's statement (.xlsx)"),
        help_text=_("First sheet, header in row 1; columns: voucher number, amount, date used, reference, note."),
    )


class FraudForm(DomainErrorsMixin, forms.Form):
    occurred_on = forms.DateField(label=_("Occurred on"), widget=forms.DateInput(attrs={"type": "date"}))
    facts = forms.CharField(label=_("Facts and evidence"), max_length=TEXT_MAX_LENGTH,
                            widget=forms.Textarea(attrs={"rows": 5}))
    evidence = forms.FileField(label=_("Evidence file"), required=False)
