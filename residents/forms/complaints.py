"""Forms for complaints and requests (第四章第四条): the portal's, the operations desk's, the report's.

Forms only check the shape of the input; the rules (who, which state, file type by
content and size from the rulebook) are the services' (residents.services.complaints).
"""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opc_community.core.idempotency import SubmitOnceForm
from residents.models import (
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    Resident,
    ResidentStatus,
)
from residents.services.complaints import SUBJECT_MAX_LENGTH, TEXT_MAX_LENGTH


class ComplaintForm(SubmitOnceForm):
    """A resident files a complaint or request in the portal (once, however often the page is sent)."""

    category = forms.ChoiceField(label=_("category"), choices=ComplaintCategory.choices)
    subject = forms.CharField(label=pgettext_lazy("complaint", "subject"), max_length=SUBJECT_MAX_LENGTH)
    text = forms.CharField(
        label=_("details"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What happened, where and when, and what you would like the community to do."),
    )
    attachment = forms.FileField(
        label=_("attachment (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
    )

    def __init__(self, *args: object, max_upload_mb: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachment"].help_text = _(
            "A photo or a document: PDF, JPEG or PNG, at most %(mb)s MB. Only you and the community staff can open it."
        ) % {"mb": max_upload_mb}


class MessageForm(forms.Form):
    text = forms.CharField(
        label=_("your message"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the solution not enough?"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ConfirmForm(forms.Form):
    comment = forms.CharField(
        label=_("comment (optional)"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StaffTextForm(forms.Form):
    """The text of a response, a solution, a message or an internal note (operations desk)."""

    text = forms.CharField(label=_("what to say"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 6, "cols": 80}))


class StaffRecordForm(forms.ModelForm):
    """Staff record a complaint on a resident's behalf (suggestion box, in person, phone)."""

    channel = forms.ChoiceField(
        label=_("channel"),
        choices=[(value, label) for value, label in ComplaintChannel.choices if value != ComplaintChannel.PORTAL],
    )

    class Meta:
        model = Complaint
        fields = ("resident", "channel", "category", "subject", "text", "attachment")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["resident"].queryset = Resident.objects.exclude(status=ResidentStatus.ONBOARDING).order_by("name")
        self.fields["text"].max_length = TEXT_MAX_LENGTH


class ReportMonthForm(forms.Form):
    month = forms.DateField(
        label=_("month"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )

    def clean_month(self) -> date:
        return self.cleaned_data["month"].replace(day=1)
