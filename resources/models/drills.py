"""Safety drills and training (消防演练、安全培训、应急演练, 第七章第一条、第四条).

A drill is an activity of kind ``drill`` (registration, check-in and attendance as for any activity;
it counts for the participation rate only when staff tick "counts for attendance") with a
``SafetyDrill`` row for what is safety-specific: the type, the after-action report and its findings,
each of which becomes a safety work item (``spaces.SafetyWorkItem``). The spaces dashboard counts the
drills through the extension point ``spaces.extensions.register_drill_source``.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opc_community.core.audit import audited


class DrillType(models.TextChoices):
    FIRE_DRILL = "fire_drill", _("fire drill")
    SAFETY_TRAINING = "safety_training", _("safety training")
    EMERGENCY_DRILL = "emergency_drill", _("emergency drill")


@audited
class SafetyDrill(models.Model):
    """What makes an activity a safety drill: its type, the plan kind it exercises, the after-action report."""

    activity = models.OneToOneField("resources.Activity", verbose_name=_("activity"), on_delete=models.PROTECT,
                                    related_name="drill")
    drill_type = models.CharField(_("drill type"), max_length=16, choices=DrillType.choices)
    plan_kind = models.CharField(_("emergency plan exercised"), max_length=16, blank=True,
                                 choices=[("fire", _("fire")), ("earthquake", _("earthquake")),
                                          ("public_security", _("public-security incident")),
                                          ("epidemic", _("epidemic"))])
    report = models.TextField(_("after-action report"), blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reported by"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-activity__starts_at"]
        verbose_name = _("safety drill")
        verbose_name_plural = _("safety drills and training")

    def __str__(self) -> str:
        return str(self.activity)


@audited
class DrillFinding(models.Model):
    """A finding of a drill's after-action report, followed up as a safety work item (整改工单)."""

    drill = models.ForeignKey(SafetyDrill, verbose_name=_("safety drill"), on_delete=models.PROTECT,
                              related_name="findings")
    text = models.CharField(_("finding"), max_length=200)
    work_item = models.OneToOneField("spaces.SafetyWorkItem", verbose_name=_("safety work item"),
                                     on_delete=models.PROTECT, related_name="drill_finding")

    class Meta:
        ordering = ["pk"]
        verbose_name = _("drill finding")
        verbose_name_plural = _("drill findings")

    def __str__(self) -> str:
        return self.text
