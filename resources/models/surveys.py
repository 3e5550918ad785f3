"""The quarterly service-quality survey (服务质量评估, 第五章第四条).

One **survey** per calendar quarter carries the questions of the rulebook in force on its opening day
(copied, so that later revisions never change an earlier quarter's questions) and the scale. A checked-in
resident answers once: a :class:`SurveyResponse` records *that* it answered (the database refuses a
second), and the scores go into :class:`SurveyTally` counters — one per question and answer value,
without the respondent, without a time and without audit rows — so nobody, staff or resident, can
tell which resident answered what. Results are shown only for groups of at least
``surveys.min_group_size`` answers. A service area whose average falls below
``surveys.low_score_threshold`` opens an :class:`ImprovementItem`, which staff close with a note.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from opc_community.core.audit import audited


@audited
class Survey(models.Model):
    """The survey of one quarter: the questions by service area (``{area: {title, questions: {code: text}}}``)."""

    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    questions = models.JSONField(_("questions"))
    scale_max = models.PositiveSmallIntegerField(_("highest answer"))
    rulebook_version = models.PositiveIntegerField(_("rulebook version"))
    evaluated_at = models.DateTimeField(_("evaluated at"), null=True, blank=True,
                                        help_text=_("When low scores were turned into improvement items."))

    class Meta:
        ordering = ["-year", "-quarter"]
        verbose_name = _("service-quality survey")
        verbose_name_plural = _("service-quality surveys")
        constraints = [
            models.UniqueConstraint(fields=["year", "quarter"], name="survey_one_per_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="survey_quarter_1_to_4"),
            models.CheckConstraint(condition=Q(closes_on__gte=F("opens_on")), name="survey_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.year} Q{self.quarter}"


@audited
class SurveyResponse(models.Model):
    """That a resident answered a survey (never what: the scores are in :class:`SurveyTally`)."""

    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="responses")
    resident = models.ForeignKey("residents.Resident", verbose_name=_("resident"), on_delete=models.PROTECT,
                                 related_name="survey_responses")
    answered_on = models.DateField(_("answered on"))

    class Meta:
        ordering = ["-answered_on", "-pk"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [models.UniqueConstraint(fields=["survey", "resident"], name="survey_answered_once")]

    def __str__(self) -> str:
        return f"{self.survey} · {self.answered_on}"


class SurveyTally(models.Model):
    """How many answered ``score`` to one question of a survey. Deliberately not audited: an audit row
    would carry the moment and the actor and so tell who answered what."""

    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="tallies")
    area = models.CharField(_("service area"), max_length=40)
    question = models.CharField(_("question"), max_length=40)
    score = models.PositiveSmallIntegerField(_("answer"))
    count = models.PositiveIntegerField(_("answers"), default=0)

    class Meta:
        verbose_name = _("survey tally")
        verbose_name_plural = _("survey tallies")
        constraints = [
            models.UniqueConstraint(fields=["survey", "area", "question", "score"], name="survey_tally_unique"),
            models.CheckConstraint(condition=Q(score__gte=1), name="survey_tally_score_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.area}.{self.question} = {self.score}: {self.count}"


@audited
class ImprovementItem(models.Model):
    """A service area that scored below the threshold in a quarter: staff improve it and close it with a note."""

    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.PROTECT,
                               related_name="improvements")
    area = models.CharField(_("service area"), max_length=40)
    area_title = models.CharField(_("service area"), max_length=80)
    average = models.DecimalField(_("average"), max_digits=4, decimal_places=2)
    threshold = models.DecimalField(_("threshold"), max_digits=4, decimal_places=2)
    answers = models.PositiveIntegerField(_("answers"))
    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("closed by"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("what was done"), blank=True)

    class Meta:
        ordering = ["closed_at", "-opened_at"]
        verbose_name = _("improvement item")
        verbose_name_plural = _("improvement items")
        constraints = [
            models.UniqueConstraint(fields=["survey", "area"], name="improvement_once_per_area"),
            models.CheckConstraint(condition=Q(closed_at__isnull=True) | ~Q(note=""), name="improvement_closed_note"),
        ]

    def __str__(self) -> str:
        return f"{self.survey} · {self.area_title}"


class StandingNotice(models.Model):
    """A notice the system keeps up to date on the public board (服务公示, 第四章第四条 2): one per ``key``,
    pointing at its publication; the daily job rewrites the publication's text when the data changed."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    publication = models.ForeignKey("notices.Publication", verbose_name=_("publication"),
                                    on_delete=models.PROTECT, related_name="+")
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("standing notice")
        verbose_name_plural = _("standing notices")

    def __str__(self) -> str:
        return self.key
