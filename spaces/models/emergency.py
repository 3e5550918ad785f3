"""Emergency plans (应急预案, 第七章第四条) and the front desk's daily visitor list (第七章第二条 治安).

A plan is versioned: publishing a new version of a kind supersedes the current one (``superseded_at``
set), old versions are kept as they were. Emergency supplies are stock with an expiry date (flagged by the
daily safety job, ``spaces.rules.emergency.supply_expiry_state``). Activating a plan opens an
``PlanActivation`` whose timeline (``ActivationEntry``: who, when, what) is append-only.
All writes: ``spaces.services.emergency``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from opc_community.core.audit import audited
from spaces.models.safety import TimelineEntry


class PlanKind(models.TextChoices):
    """第七章第四条: 火灾、地震、治安事件、公共卫生（疫情）."""

    FIRE = "fire", _("fire")
    EARTHQUAKE = "earthquake", _("earthquake")
    PUBLIC_SECURITY = "public_security", _("public-security incident")
    EPIDEMIC = "epidemic", _("epidemic")


@audited
class EmergencyPlan(models.Model):
    """One version of the emergency plan of a kind; the current one is the version not superseded."""

    kind = models.CharField(_("plan kind"), max_length=16, choices=PlanKind.choices)
    version = models.PositiveSmallIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=120)
    roles = models.TextField(_("roles and responsibilities"),
                             help_text=_("One role a line: who does what (e.g. 总指挥：行政管理员)."))
    procedures = models.TextField(_("procedures"), help_text=_("One step a line, in order."))
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("published by"),
                                     on_delete=models.PROTECT, related_name="+")
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    class Meta:
        ordering = ["kind", "-version"]
        verbose_name = _("emergency plan")
        verbose_name_plural = _("emergency plans")
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="emergency_plan_version_once"),
            models.UniqueConstraint(fields=["kind"], condition=Q(superseded_at__isnull=True),
                                    name="emergency_plan_one_current"),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    @property
    def role_lines(self) -> list[str]:
        return [line.strip() for line in self.roles.splitlines() if line.strip()]

    @property
    def procedure_lines(self) -> list[str]:
        return [line.strip() for line in self.procedures.splitlines() if line.strip()]


@audited
class EmergencySupply(models.Model):
    """Emergency supplies in stock (应急物资): for one plan kind or, without a kind, for every plan."""

    name = models.CharField(_("supply"), max_length=80)
    plan_kind = models.CharField(_("plan kind"), max_length=16, choices=PlanKind.choices, blank=True,
                                 help_text=_("Leave empty for supplies every plan relies on."))
    location = models.CharField(_("location"), max_length=120)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit = models.CharField(_("unit"), max_length=10, default="件")
    expires_on = models.DateField(_("expires on"), null=True, blank=True,
                                  help_text=_("Leave empty for supplies without an expiry date."))

    class Meta:
        ordering = ["plan_kind", "name"]
        verbose_name = _("emergency supply")
        verbose_name_plural = _("emergency supplies")

    def __str__(self) -> str:
        return f"{self.name} ×{self.quantity}{self.unit} · {self.location}"


@audited
class PlanActivation(models.Model):
    """A plan put into action (启动应急预案): when, by whom, why; ended when the emergency is over."""

    plan = models.ForeignKey(EmergencyPlan, verbose_name=_("emergency plan"), on_delete=models.PROTECT,
                             related_name="activations")
    reason = models.CharField(_("reason"), max_length=300)
    started_at = models.DateTimeField(_("activated at"), auto_now_add=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("activated by"),
                                   on_delete=models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("plan activation")
        verbose_name_plural = _("plan activations")

    def __str__(self) -> str:
        return f"{self.plan} {self.started_at:%Y-%m-%d %H:%M}"


@audited
class ActivationEntry(TimelineEntry):
    """One line of an activation's timeline."""

    activation = models.ForeignKey(PlanActivation, verbose_name=_("plan activation"), on_delete=models.PROTECT,
                                   related_name="entries")

    class Meta(TimelineEntry.Meta):
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline")


def _visitor_model() -> type[models.Model]:
    # Visitor is declared in spaces/models/__init__.py, before this module is imported at its end.
    from spaces.models import Visitor

    return Visitor


class VisitorDailyList(_visitor_model()):  # type: ignore[misc]
    """The front desk's daily visitor list (第七章第二条 治安): not data of its own, a read-only page over the
    visitor register. A proxy of Visitor with only a ``view`` permission, so the page has its own entry on the
    admin index; the role matrix gives it to the daily management team, the administrator and oversight
    through their spaces grants. Page: spaces/admin/visitor_daily.py."""

    class Meta:
        proxy = True
        default_permissions = ("view",)
        verbose_name = _("front desk: today's visitors")
        verbose_name_plural = _("front desk: today's visitors")
