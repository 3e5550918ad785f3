"""Forms of equipment lending (第四章第二条): the resident's reservation, the team's hand-out and return check.
The rules (due time, limit, suspension, who) are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from spaces.forms.visitors import DATETIME_INPUT, LocalDateTimeInput
from spaces.models import EquipmentCondition
from spaces.services.equipment import NOTE_MAX_LENGTH, PURPOSE_MAX_LENGTH

_DATETIME_FORMATS = [DATETIME_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
_OUT_CONDITIONS = [(c.value, c.label) for c in EquipmentCondition if c != EquipmentCondition.DAMAGED]


class BorrowForm(forms.Form):
    """A resident reserves an item until a due time (collected at the front desk)."""

    due_at = forms.DateTimeField(label=_("due back at"), widget=LocalDateTimeInput(), input_formats=_DATETIME_FORMATS)
    purpose = forms.CharField(label=_("purpose"), max_length=PURPOSE_MAX_LENGTH,
                              help_text=_("What you will use it for, e.g. a client presentation."))


class HandOutForm(forms.Form):
    condition_out = forms.ChoiceField(label=_("condition when handed out"), choices=_OUT_CONDITIONS,
                                      initial=EquipmentCondition.GOOD)


class ReturnForm(forms.Form):
    """The team takes an item back and checks it; a damage needs its value."""

    condition_in = forms.ChoiceField(label=_("condition when returned"), choices=EquipmentCondition.choices,
                                     initial=EquipmentCondition.GOOD)
    damage_value = forms.DecimalField(label=_("value of the damage (yuan)"), required=False, min_value=0,
                                      max_digits=12, decimal_places=2,
                                      help_text=_("Required when the item comes back damaged."))
    note = forms.CharField(label=_("note on the return"), required=False, max_length=NOTE_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))
