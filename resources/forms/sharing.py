"""Forms of the sharing board: the resident's post and interest, the staff's hide, match and cancel."""

from django import forms
from django.utils.translation import gettext_lazy as _

from opc_community.core.forms import DomainErrorsMixin
from resources.models import SharingCategory, SharingKind
from resources.services.sharing import (
    BODY_MAX_LENGTH,
    CONFIRM_MESSAGE,
    MESSAGE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    TITLE_MAX_LENGTH,
)


class PostForm(DomainErrorsMixin, forms.Form):
    """发布供给或需求: kind, category, title, description, and the 第四章第二条 3 confirmation."""

    kind = forms.ChoiceField(label=_("Offer or need"), choices=SharingKind.choices, widget=forms.RadioSelect)
    category = forms.ChoiceField(label=_("Category"), choices=SharingCategory.choices)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    body = forms.CharField(
        label=_("Description"), max_length=BODY_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What you offer or need, for whom, on what terms; how to reach you comes through a match."),
    )
    confirm_no_secrets = forms.BooleanField(
        label=_("This post contains no trade secrets and no personal data of others (Chapter 4, Article 2.3)."),
        error_messages={"required": CONFIRM_MESSAGE},
    )


class PostEditForm(PostForm):
    """The author's change: the kind stays (an offer that becomes a need is a new post)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["kind"]


class InterestForm(DomainErrorsMixin, forms.Form):
    message = forms.CharField(
        label=_("Message to the author"), max_length=MESSAGE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the author and the resources team read it."),
    )


class HideForm(DomainErrorsMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for hiding (the author reads it)"), max_length=REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 3}))


class MatchNoteForm(DomainErrorsMixin, forms.Form):
    note = forms.CharField(label=_("Note to both sides"), max_length=300, required=False)


class CancelMatchForm(DomainErrorsMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=300)
