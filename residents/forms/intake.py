"""Forms of intake (第三章第一条、第二条): sign-up, 《OPC社区入驻申请表》, and the review steps' reasons.

Forms check the shape of the input (and files by content, so that every problem shows
next to its field at once); the rules — who, which state, what is required to submit,
bans — are the services' (residents.services.intake), which check files again.
"""

import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opc_community import rulebook
from opc_community.accounts.models import User
from opc_community.core.errors import DomainError
from opc_community.core.forms import MultipleFileField
from opc_community.core.uploads import TYPE_LABELS, validate_upload
from residents.models import Direction, DocumentKind, EntityType
from residents.rules.identity import normalise_identity
from residents.services.intake import PHONE_PATTERN, ApplicationDetails
from residents.services.paper import PaperConsent

_ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


class ServiceErrorsMixin:
    """``form.add_domain_error(error)`` (the portal's ``submit_form`` calls it): a service's refusal
    next to the fields it names (every field when it lists several), else atop the form."""

    def add_domain_error(self, error: DomainError) -> None:
        form: forms.Form = self  # type: ignore[assignment]
        field_errors = error.details.get("errors") or {}
        placed = False
        for field, messages in field_errors.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
                placed = True
        if not placed:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))


# --- sign-up ----------------------------------------------------------------------------------


class SignupForm(ServiceErrorsMixin, UserCreationForm):
    """An applicant's account: name, mobile phone and email; the password passes Django's validators.

    Whether the phone or email already has an account is never said here (the service answers the
    same either way); the user name is the public handle and so may not be a phone number or email.
    """

    full_name = forms.CharField(label=_("Full name"), max_length=100, help_text=_("As on your ID card."))
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        help_text=_("We send the link that activates your account here; decisions on your application too."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "full_name", "phone", "email")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].help_text = _(
            "You log in with it: letters, digits and . + - _ only; not your phone number or email."
        )

    def clean_username(self) -> str | None:
        username = super().clean_username()  # None when taken (the error is already on the field)
        if username and ("@" in username or re.match(PHONE_PATTERN, username)):
            raise forms.ValidationError(_("User name: choose a name, not a phone number or an email address."))
        return username

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].replace(" ", "").replace("-", "")
        if not re.match(PHONE_PATTERN, phone):
            raise forms.ValidationError(_("Mobile phone: 11 digits starting with 1, e.g. 13800138000."))
        return phone

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip()


# --- the application form -----------------------------------------------------------------------


class IdentityNumberField(forms.CharField):
    """An ID card number or credit code as typed, in its one spelling (``normalise_identity``):
    full-width, spaced or dashed input is accepted; the service refuses anything but ASCII digits
    and letters, next to the field."""

    def __init__(self, **kwargs: Any) -> None:
        attrs = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        super().__init__(max_length=40, required=False, widget=forms.TextInput(attrs=attrs), **kwargs)

    def to_python(self, value: Any) -> str:
        return normalise_identity(super().to_python(value))


def _choices(choices: Sequence[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", _("— choose —")), *choices]


class ApplicationForm(ServiceErrorsMixin, forms.Form):
    """《OPC社区入驻申请表》: saved as a draft as often as needed, then submitted.

    Field names are those the services use in their errors, so a refusal lands next to its field;
    the material fields are named after ``DocumentKind``.
    """

    SECTIONS = (
        (_("Who applies"), ("entity_type", "direction", "direction_note")),
        (_("Identity"), ("person_name", "id_number", "phone", "email")),
        (_("Registered entity"), ("company_name", "uscc")),
        (_("Project"), ("project_summary",)),
        (_("Materials"), tuple(DocumentKind.values)),
        (_("Declaration and consents"), ("declares_no_dishonesty", "consent_id_processing", "consent_public_naming")),
    )

    entity_type = forms.ChoiceField(
        label=_("Entity type"),
        choices=_choices(EntityType.choices),
        required=False,
        help_text=_(
            "One-person companies, sole traders and service institutions are registered entities: "
            "they also give the registered name, the unified social credit code and the business licence "
            "(第三章第一条)."
        ),
    )
    direction = forms.ChoiceField(
        label=_("Direction"), choices=_choices(Direction.choices), required=False
    )
    direction_note = forms.CharField(
        label=_("Direction details"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required for “other”: explain how the project fits the community. Staff read it and decide."),
    )
    person_name = forms.CharField(label=_("Name as on the ID card"), max_length=60, required=False)
    id_number = IdentityNumberField(
        label=_("ID card number"), help_text=_("18 characters; shown masked everywhere except to the intake team.")
    )
    phone = forms.CharField(
        label=_("Mobile phone"), max_length=20, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    email = forms.EmailField(label=_("Email"), required=False)
    company_name = forms.CharField(
        label=_("Registered name"), max_length=120, required=False, help_text=_("As on the business licence.")
    )
    uscc = IdentityNumberField(
        label=_("Unified social credit code"), help_text=_("18 characters, on the business licence.")
    )
    project_summary = forms.CharField(
        label=_("Project summary"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What you build, for whom, and how AI is used."),
    )
    id_card = forms.FileField(label=_("ID card (both sides)"), required=False,
                              widget=forms.ClearableFileInput(attrs={"accept": _ACCEPT}))
    business_licence = forms.FileField(label=_("Business licence"), required=False,
                                       widget=forms.ClearableFileInput(attrs={"accept": _ACCEPT}))
    project_plan = forms.FileField(label=_("Project plan"), required=False,
                                   widget=forms.ClearableFileInput(attrs={"accept": _ACCEPT}))
    qualification = MultipleFileField(label=_("Qualification certificates (optional, several allowed)"), accept=_ACCEPT)
    declares_no_dishonesty = forms.BooleanField(
        label=_("I declare that I have no record of serious dishonesty (第三章第一条). Staff verify it."),
        required=False,
    )
    consent_id_processing = forms.BooleanField(
        label=_(
            "I agree that the community processes my ID card number and ID card to review this application "
            "and keep my archive (Personal Information Protection Law, Art. 29: sensitive personal information). "
            "Required."
        ),
        required=False,
    )
    consent_public_naming = forms.BooleanField(
        label=_(
            "Sole traders: I agree that the community's public notice board shows my registered business name "
            "(Personal Information Protection Law, Art. 25). Optional: without it the board shows my surname "
            "only (e.g. 张*). Companies and institutions appear by their registered name; a person's full name "
            "is never shown."
        ),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        intake = rulebook.in_force(on=timezone.localdate()).intake
        self.allowed_types = tuple(intake.allowed_file_types)
        self.max_upload_mb = intake.max_upload_mb
        note = _("%(types)s, at most %(mb)s MB each, checked by content. Only you and the intake team can open it.") % {
            "types": " / ".join(TYPE_LABELS[t] for t in self.allowed_types),
            "mb": self.max_upload_mb,
        }
        for kind in DocumentKind.values:
            self.fields[kind].help_text = note

    #: Needed to submit (a draft may leave them empty); registered entities also need the
    #: registered name, the code and the licence, and "other" needs the direction details.
    REQUIRED_TO_SUBMIT = frozenset(
        {"entity_type", "direction", "person_name", "id_number", "phone", "project_summary", "id_card",
         "project_plan", "declares_no_dishonesty", "consent_id_processing"}
    )

    def sections(self, documents: Sequence[Any] = ()) -> list[tuple[Any, list[dict[str, Any]]]]:
        """The form in titled sections; each row: the field, whether submission needs it, its uploaded files."""
        by_kind: dict[str, list[Any]] = {}
        for document in documents:
            by_kind.setdefault(document.kind, []).append(document)
        return [
            (
                title,
                [
                    {"field": self[name], "required": name in self.REQUIRED_TO_SUBMIT, "uploaded": by_kind.get(name, [])}
                    for name in names
                ],
            )
            for title, names in self.SECTIONS
        ]

    def _check_file(self, field: str, upload: UploadedFile) -> UploadedFile:
        try:
            validate_upload(upload, field=field, allowed=self.allowed_types, max_mb=self.max_upload_mb)
        except DomainError as error:
            raise forms.ValidationError(str(error.message)) from error
        return upload

    def clean_id_card(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("id_card")
        return self._check_file("id_card", upload) if upload else None

    def clean_business_licence(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("business_licence")
        return self._check_file("business_licence", upload) if upload else None

    def clean_project_plan(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("project_plan")
        return self._check_file("project_plan", upload) if upload else None

    def clean_qualification(self) -> list[UploadedFile]:
        uploads = self.cleaned_data.get("qualification") or []
        errors = []
        for upload in uploads:
            try:
                self._check_file("qualification", upload)
            except forms.ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise forms.ValidationError(errors)
        return uploads

    def details(self) -> ApplicationDetails:
        data = self.cleaned_data
        return ApplicationDetails(
            **{name: data.get(name) or ("" if name not in _BOOLEANS else False) for name in _DETAIL_FIELDS}
        )

    def uploads(self) -> list[tuple[str, UploadedFile]]:
        pairs: list[tuple[str, UploadedFile]] = []
        for kind in (DocumentKind.ID_CARD, DocumentKind.BUSINESS_LICENCE, DocumentKind.PROJECT_PLAN):
            if upload := self.cleaned_data.get(kind):
                pairs.append((kind, upload))
        pairs.extend((DocumentKind.QUALIFICATION, upload) for upload in self.cleaned_data.get("qualification") or [])
        return pairs


_BOOLEANS = ("declares_no_dishonesty", "consent_id_processing", "consent_public_naming")
_DETAIL_FIELDS = tuple(ApplicationDetails.__dataclass_fields__)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


# --- review steps (the operations desk) ---------------------------------------------------------


class ReasonForm(forms.Form):
    """Return for more material / reject: the reasons the applicant reads (required)."""

    reason = forms.CharField(
        label=_("Reasons (the applicant reads them)"), widget=forms.Textarea(attrs={"rows": 4, "cols": 60})
    )


class StartEvaluationForm(forms.Form):
    """Initial review passed; flagged eligibility needs the override reason (第三章第一条)."""

    reason = forms.CharField(
        label=_("Note (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60})
    )
    eligibility_override = forms.CharField(
        label=_("Eligibility override: why the flagged application may proceed"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Required when the application carries an eligibility flag; kept with the application."),
    )


class EvaluationForm(forms.Form):
    """项目评估 (第三章第二条): feasibility and fit with the community."""

    feasibility = forms.CharField(label=_("Feasibility"), widget=forms.Textarea(attrs={"rows": 4, "cols": 60}))
    fit = forms.CharField(label=_("Fit with the community"), widget=forms.Textarea(attrs={"rows": 4, "cols": 60}))


class ApproveForm(forms.Form):
    reason = forms.CharField(
        label=_("Note to the applicant (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60})
    )


#: Review step name → the form asking for its input.
STEP_FORMS: dict[str, type[forms.Form]] = {
    "start_evaluation": StartEvaluationForm,
    "return": ReasonForm,
    "reject": ReasonForm,
    "record_evaluation": EvaluationForm,
    "approve": ApproveForm,
}


class PaperApplicationForm(ApplicationForm):
    """An application received on paper, entered by the intake team: the applicant's form as filled in,
    the scanned materials, and the applicant's consent as given on paper (who, when, how)."""

    SECTIONS = (
        *ApplicationForm.SECTIONS,
        (_("The applicant's consent on paper"), ("paper_consent_by", "paper_consent_on", "paper_consent_how")),
    )

    paper_consent_by = forms.CharField(
        label=_("consent given by"), max_length=60, help_text=_("The person who signed the consent clause."),
    )
    paper_consent_on = forms.DateField(
        label=_("consent given on"), widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The day written next to the signature."),
    )
    paper_consent_how = forms.CharField(
        label=_("how the consent was given"), max_length=200,
        initial=_("Signed the consent clause of the paper application form."),
    )

    def consent(self) -> PaperConsent:
        data = self.cleaned_data
        return PaperConsent(given_by=data["paper_consent_by"], given_on=data["paper_consent_on"],
                            how=data["paper_consent_how"])
