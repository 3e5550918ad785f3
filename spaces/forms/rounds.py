"""Forms of the cleaning and closing rounds (第四章第一条 3、4), filled on a phone. The rules are the service's."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from spaces.models import CleaningKind, ClosingItem
from spaces.services.rounds import FINDING_MAX_LENGTH, NOTE_MAX_LENGTH, PLACE_MAX_LENGTH


class CleaningForm(forms.Form):
    """One cleaning or disinfection of an area (the areas of the rulebook in force)."""

    area = forms.ChoiceField(label=_("area"))
    kind = forms.ChoiceField(label=_("kind"), choices=CleaningKind.choices, widget=forms.RadioSelect,
                             initial=CleaningKind.CLEANING)
    note = forms.CharField(label=_("note (optional)"), max_length=NOTE_MAX_LENGTH, required=False)

    def __init__(self, *args: Any, areas: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = list(areas.items())


#: (checklist item, the confirming field, its label) in the order of the round.
CHECKS = (
    (ClosingItem.POWER, "power_off"),
    (ClosingItem.LOCKS, "locked"),
    (ClosingItem.HAZARDS, "no_hazards"),
)


class ClosingRoundForm(forms.Form):
    """The evening checklist: each item ticked when in order; otherwise where and what was found.
    "Other finding" records anything else seen on the round."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for item, field in CHECKS:
            self.fields[field] = forms.BooleanField(label=ClosingItem(item).label, required=False)
        for item in (*(item for item, _field in CHECKS), ClosingItem.OTHER):
            prefix = str(item)
            self.fields[f"{prefix}_place"] = forms.CharField(
                label=_("place"), max_length=PLACE_MAX_LENGTH, required=False)
            self.fields[f"{prefix}_finding"] = forms.CharField(
                label=_("what was found"), max_length=FINDING_MAX_LENGTH, required=False,
                widget=forms.Textarea(attrs={"rows": 2}))

    def finding_fields(self) -> list[tuple[Any, Any, Any, Any]]:
        """(label, the tick box or None, place field, finding field) per item, for the template."""
        rows = [(ClosingItem(item).label, self[field], self[f"{item}_place"], self[f"{item}_finding"])
                for item, field in CHECKS]
        rows.append((ClosingItem.OTHER.label, None, self["other_place"], self["other_finding"]))
        return rows

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        exceptions = []
        for item in ClosingItem.values:
            place, finding = data.get(f"{item}_place", ""), data.get(f"{item}_finding", "")
            if place or finding:
                exceptions.append({"item": item, "place": place, "description": finding})
        return {"power_off": bool(data.get("power_off")), "locked": bool(data.get("locked")),
                "no_hazards": bool(data.get("no_hazards")), "exceptions": exceptions}
