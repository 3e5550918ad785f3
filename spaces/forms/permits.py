"""Forms of promotion and event permits (第四章第三条): the application, a room for an approved event,
the team's refusal. The rules (file type by content, period, who) are the services'."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from spaces.forms.visitors import DATETIME_INPUT, LocalDateTimeInput
from spaces.models import PermitKind, Room
from spaces.selectors.permits import bookable_rooms
from spaces.services.permits import PLACE_MAX_LENGTH, TEXT_MAX_LENGTH, TITLE_MAX_LENGTH

_DATETIME_FORMATS = [DATETIME_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class PermitForm(forms.Form):
    """A resident applies for a promotion or event permit."""

    kind = forms.ChoiceField(label=_("what for"), choices=PermitKind.choices)
    title = forms.CharField(label=_("title"), max_length=TITLE_MAX_LENGTH)
    place = forms.CharField(label=_("place"), max_length=PLACE_MAX_LENGTH,
                            help_text=_("Where the posters go up, the flyers are handed out or the event takes place."))
    starts_at = forms.DateTimeField(label=_("starts at"), widget=LocalDateTimeInput(), input_formats=_DATETIME_FORMATS)
    ends_at = forms.DateTimeField(label=_("ends at"), widget=LocalDateTimeInput(), input_formats=_DATETIME_FORMATS)
    description = forms.CharField(
        label=_("description"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What happens, for whom, and the material you will use."),
    )
    material = forms.FileField(
        label=_("materials"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
    )

    def __init__(self, *args: Any, max_upload_mb: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["material"].help_text = _(
            "PDF, JPEG or PNG, at most %(mb)s MB; required for posters and flyers. Only you and the community "
            "staff can open it."
        ) % {"mb": max_upload_mb}


class RoomChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, room: Room) -> str:
        return _("%(name)s · %(type)s · %(capacity)s people") % {
            "name": room.name, "type": room.get_room_type_display(), "capacity": room.capacity,
        }


class ReserveRoomForm(forms.Form):
    """A room for an approved event, within the permit's time."""

    room = RoomChoiceField(label=_("room"), queryset=Room.objects.none())
    starts_at = forms.DateTimeField(label=_("from"), widget=LocalDateTimeInput(), input_formats=_DATETIME_FORMATS)
    ends_at = forms.DateTimeField(label=_("until"), widget=LocalDateTimeInput(), input_formats=_DATETIME_FORMATS)
    attendees = forms.IntegerField(label=_("attendees"), min_value=1, max_value=32767, initial=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = bookable_rooms()


class DecisionForm(forms.Form):
    """The team's text: a reason for a refusal (required) or a note with an approval (optional)."""

    text = forms.CharField(label=_("reason"), max_length=TEXT_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 4, "cols": 60}))

    def __init__(self, *args: Any, required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].required = required
        if not required:
            self.fields["text"].label = _("note to the resident (optional)")
