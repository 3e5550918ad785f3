"""Questions about the reward and penalty rules (答疑, 第九章第五条) and the FAQ built from them.

A resident asks how a reward or penalty rule applies to them; the operations team answers
within a deadline (working days, rule data). An answer worth sharing becomes an FAQ entry,
written anew by staff without personal data, published on the notice board.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opc_community.core.audit import audited
from residents.models.residency import Resident


class QuestionStatus(models.TextChoices):
    OPEN = "open", _("awaiting answer")
    ANSWERED = "answered", _("answered")


QUESTION_TRANSITIONS: dict[str, frozenset[str]] = {
    QuestionStatus.OPEN: frozenset({QuestionStatus.ANSWERED}),
    QuestionStatus.ANSWERED: frozenset(),
}


@audited
class RuleQuestion(models.Model):
    """A resident's question about a reward or penalty rule, and the team's answer."""

    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="rule_questions"
    )
    # The topic's code (``violation:2a``, ``reward:innovation``, ``other``) and its label when asked:
    # the rulebook may be revised later, the question keeps what the resident chose.
    topic = models.CharField(_("rule topic"), max_length=40)
    topic_label = models.CharField(_("rule topic name"), max_length=120)
    text = models.TextField(_("question"))
    status = models.CharField(
        _("status"), max_length=10, choices=QuestionStatus.choices, default=QuestionStatus.OPEN
    )
    asked_at = models.DateTimeField(_("asked at"))
    answer_due_at = models.DateTimeField(_("answer due"))
    due_provisional = models.BooleanField(_("provisional deadline"), default=False)
    answer = models.TextField(pgettext_lazy("rule question", "answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("answered by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )

    class Meta:
        ordering = ["-asked_at", "-id"]
        verbose_name = _("question about the rules")
        verbose_name_plural = _("questions about the rules")
        indexes = [models.Index(fields=["status", "answer_due_at"], name="residents_question_queue")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status=QuestionStatus.OPEN, answered_at__isnull=True)
                | models.Q(status=QuestionStatus.ANSWERED, answered_at__isnull=False),
                name="rule_question_answered_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic_label} · {self.asked_at:%Y-%m-%d}"


@audited
class RuleFaq(models.Model):
    """A published FAQ entry: question and answer written by staff, without personal data (RULEBOOK §10)."""

    source = models.ForeignKey(
        RuleQuestion, verbose_name=_("from the question"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="faq_entries",
    )
    topic = models.CharField(_("rule topic"), max_length=40)
    topic_label = models.CharField(_("rule topic name"), max_length=120)
    question = models.TextField(_("question"))
    answer = models.TextField(pgettext_lazy("rule question", "answer"))
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("published by"), on_delete=models.PROTECT, related_name="+"
    )
    publication = models.OneToOneField(
        "notices.Publication", verbose_name=_("notice board publication"), on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ about the rules")

    def __str__(self) -> str:
        return self.question[:40]
