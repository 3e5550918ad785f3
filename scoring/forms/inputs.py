"""Forms of quarterly inputs (第六章第一条): the resident's results and files, staff corrections, Excel import.

Forms check the shape only; the rules (not negative, target given, deadline, who, file type by
content and size) are the services' (``scoring.services.inputs``), whose errors the views put
next to the field named.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from scoring.models import AwardLevel, ContributionKind, EvidenceKind, QuarterInput

ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


def _label(name: str) -> str:
    return QuarterInput._meta.get_field(name).verbose_name


class NumbersForm(forms.Form):
    """The results filed against the accepted plan: milestones completed (progress report) and revenue
    (financial statement). Not required here: the service names a missing value and its rule."""

    milestones_done = forms.IntegerField(label=_label("milestones_done"), required=False,
                                         help_text=_("From your progress report."))
    revenue = forms.DecimalField(label=_("revenue (yuan)"), required=False, decimal_places=2, max_digits=14,
                                 help_text=_("From your financial statement for the quarter."))


class AwardForm(forms.Form):
    level = forms.ChoiceField(label=_("level"), choices=AwardLevel.choices)
    title = forms.CharField(label=_("award"), max_length=200)
    certificate = forms.FileField(label=_("certificate"), required=False,
                                  widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))


class ContributionForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=ContributionKind.choices)
    description = forms.CharField(label=_("description"), max_length=200)
    proof = forms.FileField(label=_("proof"), required=False, widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))
    proof_link = forms.URLField(label=_("proof link"), required=False, assume_scheme="https",
                                help_text=_("A file or a link (for example the repository of an open-source contribution)."))


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=EvidenceKind.choices)
    file = forms.FileField(label=_("file"), required=False, widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))


class CorrectionForm(NumbersForm):
    """Staff correct an input: numbers, the claims accepted, and the reason the resident is told. A claim
    not accepted scores as absent (RULEBOOK §7.1)."""

    accept_completion = forms.BooleanField(label=_("accept the milestones claim"), required=False)
    accept_revenue = forms.BooleanField(label=_("accept the revenue claim"), required=False)
    accepted_awards = forms.MultipleChoiceField(label=_("awards accepted"), required=False,
                                                widget=forms.CheckboxSelectMultiple)
    accepted_contributions = forms.MultipleChoiceField(label=_("contributions accepted"), required=False,
                                                       widget=forms.CheckboxSelectMultiple)
    reason = forms.CharField(label=_("reason for the correction"), widget=forms.Textarea(attrs={"rows": 3}),
                             required=False)

    def __init__(self, *args: object, input: QuarterInput | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        awards = list(input.awards.all()) if input else []
        contributions = list(input.contributions.all()) if input else []
        self.fields["accepted_awards"].choices = [(str(a.pk), f"{a.get_level_display()} · {a.title}") for a in awards]
        self.fields["accepted_contributions"].choices = [
            (str(c.pk), f"{c.get_kind_display()} · {c.description}") for c in contributions
        ]
        if not self.is_bound and input is not None:
            unreviewed = input.status in ("draft", "submitted")
            self.initial.update({name: getattr(input, name) for name in ("milestones_done", "revenue")})
            self.initial["accept_completion"] = not input.completion_rejected
            self.initial["accept_revenue"] = not input.revenue_rejected
            self.initial["accepted_awards"] = [str(a.pk) for a in awards if a.verified or unreviewed]
            self.initial["accepted_contributions"] = [str(c.pk) for c in contributions if c.verified or unreviewed]

    def rejected_results(self) -> tuple[str, ...]:
        """The results claims not accepted (``scoring.services.inputs.RESULT_CLAIMS``)."""
        return tuple(claim for claim, field in (("completion", "accept_completion"), ("revenue", "accept_revenue"))
                     if not self.cleaned_data[field])


class ImportForm(forms.Form):
    sheet = forms.FileField(label=_("Excel file (.xlsx)"),
                            widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))
    reason = forms.CharField(label=_("reason for the corrections"), widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Rows whose numbers differ from the stored ones are recorded as corrections "
                                         "with this reason; the residents are told."))
