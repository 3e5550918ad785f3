"""Full-cycle start-up services (全周期创业服务, 第五章第三条): the catalogue and the residents' requests.

The **catalogue** lists the services by the stage of a company — start-up (project review, business plan,
AI technical guidance, compliance review, company registration and licences), growth (brand promotion,
customer development), mature (industry chain, investment and M&A); the resources team edits it in the
admin (seeded by the migration). A resident **requests** a service in the portal, saying what it needs;
staff assign a handler, respond (first response due within ``stage_services.response_working_days``) and
close it with the result (due within ``stage_services.resolution_working_days``, working days, rule data);
the resident then rates the service (1–5 and a comment) in the portal. The SLA is judged with the
complaint helpers (``residents.rules.complaints``): one definition of on time, late and overdue.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opc_community.core.audit import audited


class ServiceStage(models.TextChoices):
    STARTUP = "startup", _("start-up stage")
    GROWTH = "growth", _("growth stage")
    MATURE = "mature", _("mature stage")


@audited
class StageService(models.Model):
    """One service of the catalogue (第五章第三条), offered to residents at one stage."""

    stage = models.CharField(_("stage"), max_length=10, choices=ServiceStage.choices)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("offered"), default=True,
                                    help_text=_("Residents may request only the services offered."))

    class Meta:
        ordering = ["stage", "order", "title"]
        verbose_name = _("stage service")
        verbose_name_plural = _("stage services")

    def __str__(self) -> str:
        return self.title


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("service request", "submitted")
    IN_PROGRESS = "in_progress", pgettext_lazy("service request", "in progress")
    CLOSED = "closed", pgettext_lazy("service request", "closed")
    CANCELLED = "cancelled", pgettext_lazy("service request", "cancelled")


#: The one state machine of a service request (docs/architecture.md "One state machine per model").
SERVICE_REQUEST_TRANSITIONS: dict[str, frozenset[str]] = {
    RequestStatus.SUBMITTED: frozenset({RequestStatus.IN_PROGRESS, RequestStatus.CLOSED, RequestStatus.CANCELLED}),
    RequestStatus.IN_PROGRESS: frozenset({RequestStatus.CLOSED, RequestStatus.CANCELLED}),
    RequestStatus.CLOSED: frozenset(),
    RequestStatus.CANCELLED: frozenset(),
}

OPEN_STATUSES = (RequestStatus.SUBMITTED, RequestStatus.IN_PROGRESS)
#: A resident has one open request per service (a second is refused, naming the first).
REQUEST_OPEN_ONCE = "service_request_open_once"


@audited
class ServiceRequest(models.Model):
    """A resident's request for one service: what it needs, the handler, the response, the result, the rating."""

    service = models.ForeignKey(StageService, verbose_name=_("service"), on_delete=models.PROTECT,
                                related_name="requests")
    resident = models.ForeignKey("residents.Resident", verbose_name=_("resident"), on_delete=models.PROTECT,
                                 related_name="service_requests")
    need = models.TextField(_("what is needed"))
    status = models.CharField(_("status"), max_length=12, choices=RequestStatus.choices,
                              default=RequestStatus.SUBMITTED)
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("handler"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("filed at"))
    response_due_at = models.DateTimeField(_("response due by"))
    resolution_due_at = models.DateTimeField(_("resolution due by"))
    due_provisional = models.BooleanField(_("deadlines provisional"), default=False)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    response = models.TextField(pgettext_lazy("service request", "response"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    result = models.TextField(_("result"), blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    rating = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True)
    rating_comment = models.TextField(_("comment on the service"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)

    class Meta:
        ordering = ["-filed_at", "-pk"]
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        indexes = [models.Index(fields=["status", "response_due_at"]),
                   models.Index(fields=["status", "resolution_due_at"])]
        constraints = [
            models.UniqueConstraint(fields=["resident", "service"], condition=Q(status__in=OPEN_STATUSES),
                                    name=REQUEST_OPEN_ONCE),
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                                   name="service_request_rating_1_to_5"),
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(status=RequestStatus.CLOSED),
                                   name="service_request_rated_when_closed"),
            models.CheckConstraint(condition=~Q(status=RequestStatus.CLOSED) | Q(closed_at__isnull=False),
                                   name="service_request_closed_at"),
        ]

    def __str__(self) -> str:
        return f"{self.service} · {self.filed_at:%Y-%m-%d}"
