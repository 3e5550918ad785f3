"""Forms of questions about the rules (答疑, 第九章第五条) and of the FAQ entries made from them."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from opc_community.core.idempotency import SubmitOnceForm
from opc_community.rulebook.schema import Rulebook
from residents.rules import rule_questions as rules
from residents.services.rule_questions import TEXT_MAX_LENGTH


class QuestionForm(SubmitOnceForm):
    """A resident asks how a reward or penalty rule applies to it (topics from the rulebook in force)."""

    topic = forms.ChoiceField(label=_("rule topic"))
    text = forms.CharField(
        label=_("question"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Your situation and what you would like to know about the rule."),
    )

    def __init__(self, *args: Any, rules_in_force: Rulebook, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [("", _("Choose a rule")), *rules.topics(rules_in_force)]


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("your answer"), max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
    )


class FaqForm(forms.Form):
    """The FAQ entry as published: written anew by staff, without personal data."""

    faq_question = forms.CharField(
        label=_("question as published"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text=_("Written for everyone: no names, ID, phone or bank card numbers, e-mail addresses (checked)."),
    )
    faq_answer = forms.CharField(
        label=_("answer as published"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
    )
