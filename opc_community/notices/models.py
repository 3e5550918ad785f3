"""Publications on the public notice board (公示栏) and the objections raised against them.

RULEBOOK §10: service procedures, resource supply, policy and subsidy notices,
rule revisions, reward and penalty decisions and quarterly score results are
published without login. Each publication has a window (default 3 working
days, rule data) during which anyone logged in may object; after the window the
decision takes effect unless an objection is upheld.

The state machine is :data:`ALLOWED_TRANSITIONS`; services in
:mod:`opc_community.notices.services` are the only code that moves a row
between states, and the check constraints below keep the dependent fields
(outcome, closing and withdrawal details, decisions) consistent with the status.
"""

from datetime import datetime, timedelta

import pgtrigger
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from opc_community.core.audit import audited

#: A window "ends" at 23:59:59 of its last working day (RULEBOOK §2 decision); the whole of
#: that second still belongs to the window, so it is over from the next 00:00:00 on.
WINDOW_END_RESOLUTION = timedelta(seconds=1)


class PublicationKind(models.TextChoices):
    """What is published (RULEBOOK §10, first paragraph)."""

    SERVICE_PROCEDURE = "service_procedure", _("Service procedure")
    RESOURCE_SUPPLY = "resource_supply", _("Resource supply")
    POLICY_NOTICE = "policy_notice", _("Policy and subsidy notice")
    RULE_REVISION = "rule_revision", _("Rule revision")
    REWARD_DECISION = "reward_decision", _("Reward decision")
    PENALTY_DECISION = "penalty_decision", _("Penalty decision")
    QUARTERLY_SCORES = "quarterly_scores", _("Quarterly score results")
    OTHER = "other", pgettext_lazy("publication kind", "Other")


class PublicationStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("publication status", "Open for objections")
    AWAITING_DECISION = (
        "awaiting_decision",
        pgettext_lazy("publication status", "Awaiting objection decisions"),
    )
    CLOSED = "closed", pgettext_lazy("publication status", "Closed")
    WITHDRAWN = "withdrawn", pgettext_lazy("publication status", "Withdrawn")


class PublicationOutcome(models.TextChoices):
    """How a closed publication ended (RULEBOOK §10: "takes effect unless an objection is upheld")."""

    TAKES_EFFECT = "takes_effect", pgettext_lazy("publication outcome", "Takes effect")
    OVERTURNED = (
        "overturned",
        pgettext_lazy("publication outcome", "Overturned: an objection was upheld"),
    )


#: The publication state machine. A window that ends with undecided objections waits for
#: staff (awaiting decision); deciding the last of them closes it. Only open or awaiting
#: publications can be withdrawn; closed and withdrawn are final.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    PublicationStatus.OPEN: frozenset(
        {PublicationStatus.AWAITING_DECISION, PublicationStatus.CLOSED, PublicationStatus.WITHDRAWN}
    ),
    PublicationStatus.AWAITING_DECISION: frozenset(
        {PublicationStatus.CLOSED, PublicationStatus.WITHDRAWN}
    ),
    PublicationStatus.CLOSED: frozenset(),
    PublicationStatus.WITHDRAWN: frozenset(),
}


@audited
class Publication(models.Model):
    """One notice on the board, with its publication window (公示期).

    ``body`` is plain text composed by the publisher from masked fields and staff-typed text
    that was scanned for personal data (RULEBOOK §10 privacy decisions). ``subject`` points at the owning app's object (a penalty, a reward,
    a score run, a rulebook version…) so that its close handler can find it.
    """

    kind = models.CharField(
        pgettext_lazy("publication", "kind"), max_length=32, choices=PublicationKind.choices
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(
        _("text"),
        help_text=_(
            "Plain text without personal data: no ID, phone or bank card numbers, e-mail addresses "
            "or names of people (checked before publication); companies by their registered name."
        ),
    )
    table = models.JSONField(
        _("table"),
        default=dict,
        blank=True,
        help_text=_(
            "Results shown as a table under the text (quarterly scores): column headings and rows, "
            "composed from masked fields only; empty: no table."
        ),
    )
    content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("subject type"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    object_id = models.PositiveBigIntegerField(_("subject id"), null=True, blank=True)
    subject = GenericForeignKey("content_type", "object_id")
    concerned_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person concerned"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="concerning_publications",
    )
    window_starts_at = models.DateTimeField(_("window starts at"))
    window_ends_at = models.DateTimeField(_("window ends at"))
    window_days = models.PositiveSmallIntegerField(_("window length (working days)"))
    window_provisional = models.BooleanField(
        _("window end provisional"),
        default=False,
        help_text=_("The window crosses a year whose holiday schedule is not loaded yet."),
    )
    leaves_board_at = models.DateTimeField(
        _("leaves the public board at"),
        null=True,
        blank=True,
        help_text=_(
            "Penalty and score publications leave the public board 30 days after their window "
            "(rule data) and stay in this archive; empty: the publication stays on the board."
        ),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=PublicationStatus.choices,
        default=PublicationStatus.OPEN,
    )
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=PublicationOutcome.choices, blank=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ("-window_starts_at", "-id")
        # Withdrawn or off the public board, a publication stays in the archive: never deleted.
        triggers = [pgtrigger.Protect(name="keep_publications", operation=pgtrigger.Delete)]
        indexes = [
            # The public board: newest first, optionally one kind; the API also filters by status.
            models.Index(fields=["-window_starts_at", "-id"], name="notices_pub_start_idx"),
            models.Index(fields=["kind", "-window_starts_at"], name="notices_pub_kind_start_idx"),
            models.Index(
                fields=["status", "kind", "-window_starts_at"], name="notices_pub_status_kind_idx"
            ),
            # The hourly closing job: open publications whose window has ended.
            models.Index(
                fields=["window_ends_at"],
                condition=Q(status="open"),
                name="notices_pub_open_due_idx",
            ),
            # Owning apps looking up the publications of their object.
            models.Index(fields=["content_type", "object_id"], name="notices_pub_subject_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=PublicationKind.values), name="notices_pub_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=PublicationStatus.values), name="notices_pub_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(window_ends_at__gt=models.F("window_starts_at")),
                name="notices_pub_window_order",
            ),
            models.CheckConstraint(
                condition=Q(window_days__gte=1), name="notices_pub_window_days_positive"
            ),
            models.CheckConstraint(
                condition=Q(leaves_board_at__isnull=True)
                | Q(leaves_board_at__gt=models.F("window_ends_at")),
                name="notices_pub_leaves_after_window",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="notices_pub_title_present"),
            models.CheckConstraint(condition=~Q(body=""), name="notices_pub_body_present"),
            # A subject is both halves of the generic key or neither.
            models.CheckConstraint(
                condition=Q(content_type__isnull=True, object_id__isnull=True)
                | Q(content_type__isnull=False, object_id__isnull=False),
                name="notices_pub_subject_complete",
            ),
            # Closed ⇔ closing time and an outcome.
            models.CheckConstraint(
                condition=(
                    Q(
                        status=PublicationStatus.CLOSED,
                        closed_at__isnull=False,
                        outcome__in=PublicationOutcome.values,
                    )
                    | (~Q(status=PublicationStatus.CLOSED) & Q(closed_at__isnull=True, outcome=""))
                ),
                name="notices_pub_closed_consistent",
            ),
            # Withdrawn ⇔ who, when and why.
            models.CheckConstraint(
                condition=(
                    (
                        Q(
                            status=PublicationStatus.WITHDRAWN,
                            withdrawn_at__isnull=False,
                            withdrawn_by__isnull=False,
                        )
                        & ~Q(withdrawal_reason="")
                    )
                    | (
                        ~Q(status=PublicationStatus.WITHDRAWN)
                        & Q(
                            withdrawn_at__isnull=True,
                            withdrawn_by__isnull=True,
                            withdrawal_reason="",
                        )
                    )
                ),
                name="notices_pub_withdrawn_consistent",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("notices:detail", args=[self.pk])

    @property
    def table_columns(self) -> list[str]:
        return list(self.table.get("columns", [])) if self.table else []

    @property
    def table_rows(self) -> list[list[str]]:
        return [list(row) for row in self.table.get("rows", [])] if self.table else []

    @property
    def window_over_at(self) -> datetime:
        """The first instant after the window (the next 00:00:00 Asia/Shanghai)."""
        return self.window_ends_at + WINDOW_END_RESOLUTION

    def is_window_open(self, now: datetime) -> bool:
        """True while objections are accepted: open status, from the start to the end of its last second."""
        return (
            self.status == PublicationStatus.OPEN
            and self.window_starts_at <= now < self.window_over_at
        )

    def can_move_to(self, status: str) -> bool:
        return status in ALLOWED_TRANSITIONS[self.status]

    @property
    def public_status_label(self) -> str:
        """The status as the board shows it: 公示中, 异议处理中, 已生效, 异议成立，未生效, 已撤销."""
        if self.status == PublicationStatus.CLOSED:
            if self.outcome == PublicationOutcome.OVERTURNED:
                return pgettext("public status", "Not in effect (objection upheld)")
            return pgettext("public status", "In effect")
        return {
            PublicationStatus.OPEN: pgettext("public status", "Open for objections"),
            PublicationStatus.AWAITING_DECISION: pgettext(
                "public status", "Objections under review"
            ),
            PublicationStatus.WITHDRAWN: pgettext("public status", "Withdrawn"),
        }[self.status]


class ObjectionStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("objection status", "Pending")
    UPHELD = "upheld", pgettext_lazy("objection status", "Upheld")
    DISMISSED = "dismissed", pgettext_lazy("objection status", "Dismissed")


@audited
class Objection(models.Model):
    """An objection (异议) to a publication, raised during its window by any logged-in person.

    Authors are never shown on public pages. One objection per person and publication:
    a person with more to say edits nothing, staff read the one text and decide it.
    """

    publication = models.ForeignKey(
        Publication,
        verbose_name=_("publication"),
        on_delete=models.PROTECT,
        related_name="objections",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="objections",
    )
    text = models.TextField(_("objection"))
    status = models.CharField(
        _("status"), max_length=20, choices=ObjectionStatus.choices, default=ObjectionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    # RULEBOOK §10 (decisions added 2026-12): decided within ``deadlines.objection_decision_working_days``
    # of filing (stored at filing; recomputed while provisional when the calendar changes, RULEBOOK §2).
    decide_due_at = models.DateTimeField(_("decide by"), null=True, blank=True)
    decide_due_provisional = models.BooleanField(_("decide-by date provisional"), default=False)
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ("created_at", "id")
        indexes = [
            models.Index(fields=["publication", "status"], name="notices_obj_pub_status_idx"),
            # The hourly late flag and the overdue filter: pending objections past their decide-by time.
            models.Index(
                fields=["decide_due_at"], condition=Q(status="pending"), name="notices_obj_pending_due_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "author"], name="notices_obj_one_per_author"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="notices_obj_text_present"),
            models.CheckConstraint(
                condition=Q(status__in=ObjectionStatus.values), name="notices_obj_status_valid"
            ),
            # Pending ⇔ no decision recorded; decided ⇔ who, when and why.
            models.CheckConstraint(
                condition=(
                    Q(
                        status=ObjectionStatus.PENDING,
                        decided_by__isnull=True,
                        decided_at__isnull=True,
                        decision_reason="",
                    )
                    | (
                        Q(
                            status__in=[ObjectionStatus.UPHELD, ObjectionStatus.DISMISSED],
                            decided_by__isnull=False,
                            decided_at__isnull=False,
                        )
                        & ~Q(decision_reason="")
                    )
                ),
                name="notices_obj_decision_consistent",
            ),
        ]

    def __str__(self) -> str:
        return str(
            _("Objection #%(id)s to “%(title)s”") % {"id": self.pk, "title": self.publication.title}
        )
