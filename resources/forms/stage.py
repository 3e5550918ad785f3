"""Forms of the start-up services and the service-quality survey (第五章第三条、第四条)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from opc_community.core.forms import DomainErrorsMixin
from resources.services.stage import REASON_MAX_LENGTH, TEXT_MAX_LENGTH

RATING_CHOICES = [(str(n), str(n)) for n in range(1, 6)]


class ServiceRequestForm(DomainErrorsMixin, forms.Form):
    need = forms.CharField(
        label=_("What do you need?"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Your project, the question or the task, and by when you need it."),
    )


class CancelForm(DomainErrorsMixin, forms.Form):
    reason = forms.CharField(label=_("Why (optional)"), max_length=REASON_MAX_LENGTH, required=False)


class RatingForm(DomainErrorsMixin, forms.Form):
    rating = forms.ChoiceField(label=_("Satisfaction (1 very dissatisfied – 5 very satisfied)"),
                               choices=RATING_CHOICES, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment"), max_length=TEXT_MAX_LENGTH, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))


class RespondForm(DomainErrorsMixin, forms.Form):
    text = forms.CharField(label=_("Response to the resident"), max_length=TEXT_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 4}))


class CloseForm(DomainErrorsMixin, forms.Form):
    result = forms.CharField(label=_("Result for the resident"), max_length=TEXT_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 4}))


class ImprovementCloseForm(DomainErrorsMixin, forms.Form):
    note = forms.CharField(label=_("What was done"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


def field_name(area: str, question: str) -> str:
    return f"{area}__{question}"


class SurveyForm(DomainErrorsMixin, forms.Form):
    """One radio group per question (1 … scale), each optional: a service not used is left empty."""

    def __init__(self, *args: Any, survey: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.survey = survey
        choices = [("", _("not used"))] + [(str(n), str(n)) for n in range(1, survey.scale_max + 1)]
        self.areas = []
        for area, spec in survey.questions.items():
            names = []
            for question, text in spec["questions"].items():
                name = field_name(area, question)
                self.fields[name] = forms.ChoiceField(label=text, choices=choices, required=False,
                                                      widget=forms.RadioSelect)
                names.append(name)
            self.areas.append((spec["title"], names))

    def grouped(self) -> list[tuple[str, list[Any]]]:
        return [(title, [self[name] for name in names]) for title, names in self.areas]

    def answers(self) -> dict[str, dict[str, str]]:
        result: dict[str, dict[str, str]] = {}
        for area, spec in self.survey.questions.items():
            result[area] = {q: self.cleaned_data.get(field_name(area, q)) or "" for q in spec["questions"]}
        return result
