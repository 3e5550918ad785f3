"""The resource sharing board and AI capability pool (资源共享平台、AI能力共享池, 第四章第二条 3, 第五章; RULEBOOK §6).

Residents **post** offers and needs — technology, customers, channels, datasets, the agents and
workflows they built (the AI capability pool), other — seen inside the community only (residents and
staff; never the public notice board, never an anonymous visitor). Each post carries the author's
confirmation that it holds no trade secret and no personal data of others (第四章第二条 3), stamped
with the time; staff **hide** a post that breaks it, with a reason the author reads. A post expires
``sharing.post_validity_days`` after it was posted or renewed (rule data); the author closes or renews it.

Others **express interest** (a short message only the author and staff read). The resources team
**matches** a post with a post of the other kind or with a resident who expressed interest; the match
holds once **both sides confirm** it, and either side may decline.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opc_community.core.audit import audited


class SharingKind(models.TextChoices):
    OFFER = "offer", pgettext_lazy("sharing", "offer")
    NEED = "need", pgettext_lazy("sharing", "need")


class SharingCategory(models.TextChoices):
    TECHNOLOGY = "technology", _("technology")
    CUSTOMERS = "customers", _("customers")
    CHANNELS = "channels", _("channels")
    DATASETS = "datasets", _("datasets")
    AGENTS = "agents", _("agents and workflows (AI capability pool)")
    OTHER = "other", pgettext_lazy("sharing category", "other")


class PostStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("sharing post", "on the board")
    EXPIRED = "expired", pgettext_lazy("sharing post", "expired")
    CLOSED = "closed", pgettext_lazy("sharing post", "closed")
    HIDDEN = "hidden", pgettext_lazy("sharing post", "hidden by staff")


#: The one state machine of a post: the author closes an open or expired one and renews an expired
#: one (back on the board); the daily job expires; staff hide. Closed and hidden are final.
POST_TRANSITIONS: dict[str, frozenset[str]] = {
    PostStatus.OPEN: frozenset({PostStatus.EXPIRED, PostStatus.CLOSED, PostStatus.HIDDEN}),
    PostStatus.EXPIRED: frozenset({PostStatus.OPEN, PostStatus.CLOSED, PostStatus.HIDDEN}),
    PostStatus.CLOSED: frozenset(),
    PostStatus.HIDDEN: frozenset(),
}


@audited
class SharingPost(models.Model):
    """An offer or a need on the sharing board."""

    resident = models.ForeignKey(
        "residents.Resident", verbose_name=_("resident"), on_delete=models.PROTECT, related_name="sharing_posts"
    )
    kind = models.CharField(pgettext_lazy("sharing", "kind"), max_length=8, choices=SharingKind.choices)
    category = models.CharField(_("category"), max_length=12, choices=SharingCategory.choices)
    title = models.CharField(_("title"), max_length=80)
    body = models.TextField(_("description"))
    status = models.CharField(_("status"), max_length=8, choices=PostStatus.choices, default=PostStatus.OPEN)
    created_at = models.DateTimeField(_("posted at"))
    updated_at = models.DateTimeField(_("changed at"))
    expires_at = models.DateTimeField(_("expires at"))
    renewed_at = models.DateTimeField(_("renewed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_note = models.CharField(_("why it closed"), max_length=200, blank=True)
    # 第四章第二条 3: the author's confirmation, stamped each time the text is written.
    no_secrets_confirmed_at = models.DateTimeField(
        _("no trade secrets or personal data confirmed at"),
        help_text=_("The author confirmed that the post contains no trade secrets and no personal data of others "
                    "(Chapter 4, Article 2.3)."),
    )
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("hidden by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    hidden_reason = models.TextField(_("reason for hiding"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("sharing post")
        verbose_name_plural = _("sharing posts")
        indexes = [models.Index(fields=["status", "expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="hidden") | (Q(hidden_at__isnull=False) & ~Q(hidden_reason="")),
                name="sharing_post_hidden_with_reason",
            ),
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")),
                                   name="sharing_post_expires_after_posting"),
        ]

    def __str__(self) -> str:
        return self.title


@audited
class SharingInterest(models.Model):
    """A resident's interest in another's post: a short message only the author and staff read."""

    post = models.ForeignKey(SharingPost, verbose_name=_("post"), on_delete=models.PROTECT, related_name="interests")
    resident = models.ForeignKey(
        "residents.Resident", verbose_name=_("resident"), on_delete=models.PROTECT, related_name="sharing_interests"
    )
    message = models.CharField(_("message"), max_length=300)
    created_at = models.DateTimeField(_("sent at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("interest in a sharing post")
        verbose_name_plural = _("interests in sharing posts")
        constraints = [models.UniqueConstraint(fields=["post", "resident"], name="sharing_interest_once")]

    def __str__(self) -> str:
        return f"{self.resident} → {self.post}"


class MatchStatus(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("sharing match", "waiting for both sides")
    CONFIRMED = "confirmed", pgettext_lazy("sharing match", "confirmed")
    DECLINED = "declined", pgettext_lazy("sharing match", "declined")
    CANCELLED = "cancelled", pgettext_lazy("sharing match", "cancelled")


MATCH_TRANSITIONS: dict[str, frozenset[str]] = {
    MatchStatus.PROPOSED: frozenset({MatchStatus.CONFIRMED, MatchStatus.DECLINED, MatchStatus.CANCELLED}),
    MatchStatus.CONFIRMED: frozenset(),
    MatchStatus.DECLINED: frozenset(),
    MatchStatus.CANCELLED: frozenset(),
}


class Answer(models.TextChoices):
    PENDING = "pending", pgettext_lazy("sharing match", "not answered")
    ACCEPTED = "accepted", pgettext_lazy("sharing match", "accepted")
    DECLINED = "declined", pgettext_lazy("sharing match", "declined")


@audited
class SharingMatch(models.Model):
    """The resources team's match of a post with the other side: a post of the other kind
    (``other_post``) or a resident who expressed interest (``interest``). Both sides answer."""

    post = models.ForeignKey(SharingPost, verbose_name=_("post"), on_delete=models.PROTECT, related_name="matches")
    other_post = models.ForeignKey(
        SharingPost, verbose_name=_("matched post"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="matched_by",
    )
    interest = models.ForeignKey(
        SharingInterest, verbose_name=_("interest"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="matches",
    )
    author = models.ForeignKey(
        "residents.Resident", verbose_name=_("author of the post"), on_delete=models.PROTECT, related_name="+"
    )
    counterpart = models.ForeignKey(
        "residents.Resident", verbose_name=_("other side"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note from the resources team"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=MatchStatus.choices, default=MatchStatus.PROPOSED)
    author_answer = models.CharField(_("author's answer"), max_length=8, choices=Answer.choices,
                                     default=Answer.PENDING)
    author_answered_at = models.DateTimeField(_("author answered at"), null=True, blank=True)
    counterpart_answer = models.CharField(_("other side's answer"), max_length=8, choices=Answer.choices,
                                          default=Answer.PENDING)
    counterpart_answered_at = models.DateTimeField(_("other side answered at"), null=True, blank=True)
    proposed_at = models.DateTimeField(_("proposed at"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("sharing match")
        verbose_name_plural = _("sharing matches")
        constraints = [
            models.CheckConstraint(
                condition=(Q(other_post__isnull=False) & Q(interest__isnull=True))
                | (Q(other_post__isnull=True) & Q(interest__isnull=False)),
                name="sharing_match_one_other_side",
            ),
            models.CheckConstraint(condition=~Q(author=models.F("counterpart")), name="sharing_match_two_residents"),
            models.UniqueConstraint(
                fields=["post", "counterpart"], condition=Q(status__in=("proposed", "confirmed")),
                name="sharing_match_once_live",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.post} ↔ {self.counterpart}"
