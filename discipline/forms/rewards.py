"""Forms for rewards and volunteer service (第八章第一条): the portal's choice, the operations desk's steps.

Forms check the shape of the input only; the rules (ranges from the rulebook, who may act,
which state, file type by content) are the services' (discipline.services.rewards).
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from discipline.models import Reward, RewardChoice, VolunteerService
from discipline.services.reward_support import NOTE_MAX_LENGTH, TEXT_MAX_LENGTH
from discipline.services.rewards import ACTIVITY_MAX_LENGTH, volunteer_service_check
from opc_community.core.errors import DomainError
from opc_community.core.forms import admin_picker
from residents.models import Resident, ResidentStatus
from scoring.models import AwardClaim

LEVELS = (("municipal", _("municipal")), ("provincial", _("provincial or higher")))
ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


#: The resident of a reward verified on a page of its own: a number box with a look-up link, not a list.
REWARD_RESIDENT = admin_picker(Reward._meta.get_field("resident"), search=False)


def _live_residents():  # noqa: ANN202 - a queryset for a choice field
    return Resident.objects.filter(status__in=(ResidentStatus.ACTIVE, ResidentStatus.EXITING)).order_by("name")


class ChoiceForm(forms.Form):
    """The resident chooses the form of a compliance-excellence reward."""

    choice = forms.ChoiceField(
        label=_("your reward"),
        choices=[(RewardChoice.ROADSHOW_CREDITS, RewardChoice.ROADSHOW_CREDITS.label),
                 (RewardChoice.VOUCHER_SUBSIDY, RewardChoice.VOUCHER_SUBSIDY.label)],
        widget=forms.RadioSelect,
    )


class VolunteerServiceForm(forms.ModelForm):
    """Staff record one volunteer service (the admin's "add" page)."""

    resident = forms.ModelChoiceField(
        label=_("resident"), queryset=Resident.objects.none(),
        widget=admin_picker(VolunteerService._meta.get_field("resident")),
    )

    class Meta:
        model = VolunteerService
        fields = ("resident", "served_on", "activity", "hours")
        widgets = {"served_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if "resident" not in self.fields:  # a recorded service: the admin shows it read-only, without fields
            return
        self.fields["resident"].queryset = _live_residents()
        self.fields["activity"].max_length = ACTIVITY_MAX_LENGTH

    def clean(self) -> dict:
        """The service's own checks (date not in the future, not before check-in, hours), next to the field."""
        data = super().clean()
        if self.errors or not all(data.get(name) for name in ("resident", "served_on", "activity")):
            return data
        try:
            volunteer_service_check(resident=data["resident"], served_on=data["served_on"],
                                    activity=data["activity"], hours=data.get("hours"))
        except DomainError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        return data

    def _post_clean(self) -> None:
        pass  # the service creates the row; no model validation of a half-built instance


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)


class ProposeForm(forms.Form):
    """Verify and propose compliance excellence for one eligible resident."""

    resident = forms.IntegerField(widget=forms.HiddenInput)
    year = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("note (optional)"), required=False, max_length=TEXT_MAX_LENGTH)


class InnovationForm(forms.Form):
    """项目创新: the award, its level and the amount staff choose within the level's range."""

    resident = forms.ModelChoiceField(label=_("resident"), queryset=Resident.objects.none(), widget=REWARD_RESIDENT)
    level = forms.ChoiceField(label=_("award level"), choices=LEVELS)
    amount = forms.DecimalField(label=_("amount (yuan)"), max_digits=12, decimal_places=2)
    certificate = forms.CharField(
        label=_("award certificate"), max_length=NOTE_MAX_LENGTH,
        help_text=_("Issuer, name of the award, certificate number and date."),
    )
    evidence = forms.FileField(
        label=_("certificate scan (optional)"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=_("PDF, JPEG or PNG; kept private."),
    )
    reason = forms.CharField(label=_("grounds"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))
    #: The verified award of the quarterly inputs the reward is found from (the innovation candidates page).
    award_claim = forms.ModelChoiceField(queryset=AwardClaim.objects.filter(verified=True), required=False,
                                         widget=forms.HiddenInput)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["resident"].queryset = _live_residents()


class OtherContributionForm(forms.Form):
    """其他贡献: cash within the range, or resource support described in words."""

    resident = forms.ModelChoiceField(label=_("resident"), queryset=Resident.objects.none(), widget=REWARD_RESIDENT)
    choice = forms.ChoiceField(
        label=_("reward"),
        choices=[(RewardChoice.CASH, RewardChoice.CASH.label),
                 (RewardChoice.RESOURCE_SUPPORT, RewardChoice.RESOURCE_SUPPORT.label)],
    )
    amount = forms.DecimalField(label=_("amount (yuan, cash only)"), max_digits=12, decimal_places=2, required=False)
    support = forms.CharField(label=_("resource support (if chosen)"), max_length=NOTE_MAX_LENGTH, required=False)
    basis = forms.CharField(label=pgettext_lazy("reward", "contribution"), max_length=NOTE_MAX_LENGTH,
                            help_text=_("What the resident did for the community."))
    evidence = forms.FileField(
        label=_("supporting document (optional)"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    reason = forms.CharField(label=_("grounds"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["resident"].queryset = _live_residents()


class GrantForm(forms.Form):
    note = forms.CharField(
        label=_("how it was granted"), max_length=NOTE_MAX_LENGTH, required=False,
        help_text=_("Cash: the transfer reference; voucher subsidy: the voucher number; resource support: what was "
                    "provided. Roadshow-hall credits are granted automatically."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))
