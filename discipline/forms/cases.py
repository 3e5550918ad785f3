"""Forms of the 处罚流程 (第八章第二条): the resident's request for review, and the operations desk's steps.

Forms check the shape of the input only; the rules (kinds, ranges, deadlines, who may act, which
state, file type by content) are the services' (discipline.services.cases / appeals), whose Chinese
messages are put back next to the field.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from discipline.models import ViolationCase
from discipline.selectors import cases as selectors
from discipline.services.appeals import REASON_MAX_LENGTH
from discipline.services.cases import PUBLIC_FACTS_MAX_LENGTH
from opc_community.core.forms import DomainErrorsMixin, MultipleFileField, admin_picker

# --- The resident -------------------------------------------------------------------------------------


class AppealForm(DomainErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("Grounds of your request for review"), max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Say what is wrong with the decision and why (facts, dates, witnesses)."),
    )
    evidence = MultipleFileField(
        label=_("Evidence (optional)"), help_text=_("PDF, JPEG or PNG; kept private, seen only by the community staff."),
    )


# --- The operations desk ------------------------------------------------------------------------------


SUBJECT_CHOICES = (
    ("resident", _("a resident")),
    ("occupant", _("an occupant who is not a resident (1a unauthorised occupancy only)")),
)


class OpenCaseForm(DomainErrorsMixin, forms.Form):
    subject = forms.ChoiceField(label=_("case against"), choices=SUBJECT_CHOICES, initial="resident",
                                widget=forms.RadioSelect, required=False)
    resident = forms.ModelChoiceField(
        label=_("resident"), queryset=None, required=False,
        widget=admin_picker(ViolationCase._meta.get_field("resident"), search=False),
    )
    occupant_name = forms.CharField(label=_("occupant's name"), max_length=60, required=False,
                                    help_text=_("As on the ID card; the notice board shows only the surname (张*)."))
    occupant_id_number = forms.CharField(
        label=_("occupant's ID card number"), max_length=40, required=False,
        help_text=_("18 characters; full-width digits are converted. A ban on applying is recorded against it."),
    )
    occupant_phone = forms.CharField(label=_("occupant's phone"), max_length=30, required=False)
    occupant_description = forms.CharField(
        label=_("who the occupant is"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("E.g. a resident's friend living at desk A-12."),
    )
    kind = forms.ChoiceField(label=_("violation kind"))
    occurred_on = forms.DateField(label=_("occurred on"), widget=forms.DateInput(attrs={"type": "date"}))
    facts = forms.CharField(label=_("facts"), widget=forms.Textarea(attrs={"rows": 4}))
    measure = forms.DecimalField(
        label=_("measured value (days or damage in yuan)"), required=False, max_digits=12, decimal_places=2,
        help_text=_("Only for kinds counted by days overdue, days after the grace period or damage value."),
    )
    serious = forms.BooleanField(label=_("serious circumstances"), required=False)
    loss = forms.BooleanField(label=_("caused a loss"), required=False)
    flag_reason = forms.CharField(
        label=_("reason for the circumstances (serious, loss…)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from residents.models import Resident, ResidentStatus

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = selectors.kind_choices()
        self.fields["resident"].queryset = Resident.objects.exclude(status=ResidentStatus.EXITED).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["subject"] = data.get("subject") or "resident"  # a resident unless an occupant is chosen
        if data["subject"] == "resident" and not data.get("resident"):
            self.add_error("resident", _("Choose the resident the case is against."))
        return data

    @property
    def flags(self) -> list[str]:
        return [flag for flag in ("serious", "loss") if self.cleaned_data.get(flag)]

    def subject_arguments(self) -> dict[str, Any]:
        """``resident=`` or ``occupant=`` for ``discipline.services.cases.case_open``."""
        from discipline.rules.occupants import Occupant

        data = self.cleaned_data
        if data.get("subject") == "occupant":
            return {"occupant": Occupant(
                name=data.get("occupant_name", ""), id_number=data.get("occupant_id_number", ""),
                phone=data.get("occupant_phone", ""), description=data.get("occupant_description", ""),
            )}
        return {"resident": data["resident"]}


class HandOverForm(DomainErrorsMixin, forms.Form):
    handed_over_on = forms.DateField(
        label=_("handed over on"), widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The day the printed notice was handed to the occupant (who has no account to receive it)."),
    )


class ReviewUpheldForm(DomainErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("why the occupant's request for review is upheld"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The occupant asked in writing (no account). Upholding annuls the case (Chapter 8, Article 2)."),
    )


class VerifyForm(DomainErrorsMixin, forms.Form):
    evidence = MultipleFileField(label=_("Evidence (photos or documents)"))


class DismissForm(DomainErrorsMixin, forms.Form):
    reason = forms.CharField(label=_("reason for dismissal"), widget=forms.Textarea(attrs={"rows": 3}))


class InterimForm(DomainErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("reason for the interim suspension"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to the resident. The suspension covers the whole community from now until the final "
                    "measure takes effect, or the case is dismissed or annulled."),
    )


class NoticeForm(DomainErrorsMixin, forms.Form):
    requirement = forms.CharField(label=_("rectification requirement"), widget=forms.Textarea(attrs={"rows": 4}))
    deadline = forms.DateField(
        label=_("rectify by"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: the rulebook's default number of days after today."),
    )


class NoteForm(DomainErrorsMixin, forms.Form):
    note = forms.CharField(label=_("rectification result"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PublishForm(DomainErrorsMixin, forms.Form):
    """公示: the facts as the notice board shows them, prefilled with the start of the case's facts.

    The board names the resident by its public name itself; this text is scanned before publication
    and refused, naming each span, while it holds personal data (RULEBOOK §10, decisions added 2026-12).
    """

    public_facts = forms.CharField(
        label=_("Facts as published"),
        max_length=PUBLIC_FACTS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Shown on the public notice board. No names of people, phone, ID or bank card numbers, "
            "e-mail addresses: say “a visitor”, “a staff member”, “the resident”."
        ),
    )


class DecideForm(DomainErrorsMixin, forms.Form):
    """Built from the decision preview: an amount per ranged fine / compensation, the days of a suspension
    without fixed days, the measure chosen for kind 8."""

    def __init__(self, *args: Any, preview: selectors.Preview, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.preview = preview
        outcome = preview.outcome
        self.field_aliases = {"chosen": "chosen"}
        if outcome.choose_one:
            self.fields["chosen"] = forms.TypedChoiceField(
                label=_("measure chosen"), coerce=int, widget=forms.RadioSelect,
                choices=list(enumerate(preview.measure_texts[:outcome.alternatives])),
            )
        for index in preview.needs_amount:
            measure = outcome.measures[index]
            label = preview.measure_texts[index]
            self.fields[f"amount_{index}"] = forms.DecimalField(
                label=_("Amount for: %(measure)s") % {"measure": label}, required=False, max_digits=12,
                decimal_places=2, min_value=0,
                help_text=(_("Between %(min)s and %(max)s.") % {"min": measure.amount_min, "max": measure.amount_max})
                if measure.type == "fine" else _("The amount the resident must pay for the damage."),
            )
            self.field_aliases[f"amounts.{index}"] = f"amount_{index}"
        for index in preview.needs_days:
            self.fields[f"days_{index}"] = forms.IntegerField(
                label=_("Days for: %(measure)s") % {"measure": preview.measure_texts[index]}, required=False,
                min_value=1,
            )
            self.field_aliases[f"days.{index}"] = f"days_{index}"

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        amounts = {i: data[f"amount_{i}"] for i in self.preview.needs_amount if data.get(f"amount_{i}") is not None}
        days = {i: data[f"days_{i}"] for i in self.preview.needs_days if data.get(f"days_{i}") is not None}
        return {"amounts": amounts, "days": days, "chosen": data.get("chosen")}


class AppealDecideForm(DomainErrorsMixin, forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("decision"), coerce=lambda value: value == "upheld", widget=forms.RadioSelect,
        choices=[("upheld", _("uphold: annul the penalty")), ("dismissed", _("dismiss: the penalty stands"))],
    )
    answer = forms.CharField(label=_("answer to the resident"), widget=forms.Textarea(attrs={"rows": 4}))
