"""Forms of the activities pages: the admin's activity form, cancellation reason, check-in inputs."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from resources.models import Activity
from resources.rules import activities as rules
from resources.selectors.activities import with_counts
from resources.services.activities import REASON_MAX_LENGTH, problem_errors
from spaces.models import Room


class ActivityForm(forms.ModelForm):
    """Create or change an activity (admin). The checks are the service's own rules, shown per field;
    saving goes through ``activity_create`` / ``activity_update``."""

    class Meta:
        model = Activity
        fields = ("title", "kind", "starts_at", "ends_at", "place", "capacity", "counts_for_attendance", "description")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.instance.pk and self.instance.cancelled_at is not None:
            raise forms.ValidationError(_("This activity was cancelled; it can no longer be changed."))
        registered = 0
        if self.instance.pk:
            registered = with_counts(Activity.objects.filter(pk=self.instance.pk)).values_list("taken", flat=True)[0]
        problems = rules.activity_problems(
            title=data.get("title") or "",
            place=data.get("place") or "",
            starts_at=data.get("starts_at"),
            ends_at=data.get("ends_at"),
            capacity=data.get("capacity"),
            registered=registered,
            now=timezone.now(),
            original_starts_at=self.instance.starts_at if self.instance.pk else None,
        )
        for field, messages in problem_errors(problems, registered=registered).items():
            if field not in self.errors:
                for message in messages:
                    self.add_error(field, message)
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent to every registered resident."),
    )


class RoomForm(forms.Form):
    """The room an activity reserves for its whole time (the booking rules of 第四章第一条 apply)."""

    room = forms.ModelChoiceField(
        label=_("room"), queryset=Room.objects.none(),
        help_text=_("Reserved from the activity's start to its end, like any booking: opening hours, the "
                    "longest booking of the room type and the room's capacity apply; a taken slot is refused."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = Room.objects.filter(is_active=True).order_by("room_type", "code")


class CodeForm(forms.Form):
    """What the scanner (or the camera app) read from the resident's QR code: the code or its link."""

    code = forms.CharField(
        label=_("check-in code"), max_length=500,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "autocapitalize": "off",
                                      "spellcheck": "false", "inputmode": "url"}),
        help_text=_("Scan the QR code on the resident's phone, or paste the link the camera shows."),
    )


class ResidentChoiceForm(forms.Form):
    """Which resident to check in (the sheet's buttons post the id)."""

    resident = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
