"""Forms of the visitor log: the front desk's fast registration, the host's refusal, the log's search."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from residents.models import Resident
from spaces.models import Visitor, VisitorStatus
from spaces.services.visitors import NOTE_MAX_LENGTH

DATETIME_INPUT = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker; the value is read in the site's time zone (Asia/Shanghai)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=DATETIME_INPUT)


class VisitorRegisterForm(forms.ModelForm):
    """Front desk: name, phone, host (searchable), purpose, expected time — in that order, one screen."""

    class Meta:
        model = Visitor
        fields = ("name", "phone", "host", "purpose", "expected_at", "note")
        widgets = {
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            "expected_at": LocalDateTimeInput(),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["host"].queryset = Resident.objects.filter(status__in=("active", "exiting")).order_by("name")
        self.fields["expected_at"].input_formats = [DATETIME_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        self.fields["expected_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["note"].max_length = NOTE_MAX_LENGTH
        self.fields["name"].widget.attrs["autofocus"] = True


class HostRefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("reason (optional, for the front desk)"), required=False, max_length=NOTE_MAX_LENGTH,
        widget=forms.TextInput(),
    )


class VisitorSearchForm(forms.Form):
    """The log's search: visitor name, host, status, expected day range (both days included)."""

    name = forms.CharField(label=_("visitor's name"), required=False)
    host = forms.CharField(label=_("host"), required=False)
    status = forms.ChoiceField(label=_("status"), required=False, choices=[("", "—"), *VisitorStatus.choices])
    expected_from = forms.DateField(label=_("expected from"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    expected_to = forms.DateField(label=_("expected until"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
