"""Rulebook versions (RULEBOOK §11, 第九章第一条): drafted, publicised 3 working days, adopted.

A version's body becomes immutable once it leaves the draft state; the
database refuses any later edit of its numbers or effective date and any move
outside the revision state machine, whoever tries.
"""

import pgtrigger
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from opc_community.core.audit import audited


@audited
class RulebookVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLICISED = "publicised", _("on the notice board")
        ADOPTED = "adopted", _("adopted")
        WITHDRAWN = "withdrawn", _("withdrawn")

    #: The revision state machine (also enforced by a trigger below).
    TRANSITIONS = {
        Status.DRAFT: {Status.PUBLICISED, Status.WITHDRAWN},
        Status.PUBLICISED: {Status.ADOPTED, Status.WITHDRAWN},
        Status.ADOPTED: set(),
        Status.WITHDRAWN: set(),
    }

    number = models.PositiveIntegerField(_("version number"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("what changes and why"), blank=True)
    effective_from = models.DateField(_("effective from"))
    body = models.JSONField(_("rule data"), encoder=DjangoJSONEncoder)
    # 第九章第一条: the regulation's text of the articles this version changes, article → new text
    # ("第四章第一条": "…"); the full text in force is the vendored original with every adopted
    # version's articles laid over it in order (opc_community.rulebook.regulation).
    articles = models.JSONField(_("changed articles (text)"), default=dict, blank=True,
                                help_text=_("The new text of each article this version changes, by article number."))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    based_on = models.ForeignKey(
        "self", verbose_name=_("based on"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drafted by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved for publication by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    publicised_at = models.DateTimeField(_("publicised at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("adopted or withdrawn at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("rulebook version")
        verbose_name_plural = _("rulebook versions")
        permissions = [("approve_rulebookversion", _("Can approve a rule revision for publication"))]
        constraints = [
            # Two adopted versions never take effect on the same day: in_force() is unambiguous.
            models.UniqueConstraint(
                fields=["effective_from"], condition=Q(status="adopted"), name="rulebook_one_adopted_per_day"
            ),
        ]
        triggers = [
            pgtrigger.FSM(
                name="status_transitions",
                field="status",
                transitions=[
                    ("draft", "publicised"),
                    ("draft", "withdrawn"),
                    ("publicised", "adopted"),
                    ("publicised", "withdrawn"),
                ],
            ),
            pgtrigger.Protect(
                name="freeze_after_draft",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__status__in=["publicised", "adopted", "withdrawn"])
                & (
                    pgtrigger.Q(old__body__df=pgtrigger.F("new__body"))
                    | pgtrigger.Q(old__effective_from__df=pgtrigger.F("new__effective_from"))
                    | pgtrigger.Q(old__number__df=pgtrigger.F("new__number"))
                ),
            ),
            pgtrigger.Protect(
                name="keep_published_versions",
                operation=pgtrigger.Delete,
                condition=pgtrigger.Q(old__status__in=["publicised", "adopted", "withdrawn"]),
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.number} {self.title}"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

