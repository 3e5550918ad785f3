"""The operations desk for the start-up services and the service-quality survey (第五章第三条、第四条).

- **Stage services**: the catalogue by stage, edited by the resources team (nothing deleted: a service
  no longer offered is switched off).
- **Service requests**: the queue, open ones by their soonest deadline, with the SLA (response and
  result deadlines, overdue in red; filter "overdue"); actions assign a handler, respond and close
  with the result; the resident's rating shows once given.
- **Surveys**: each quarter's survey with its respondents and a results page (per service area, beside
  the previous quarter, a chart; groups below the minimum size show no number). Nothing per resident.
- **Improvement items**: low-scoring areas; closed with a note (action).
- **Standing notices**: the notices the daily job keeps on the public board; "refresh now".

Who: the resources team writes (role matrix: ``resources`` WRITE), the administrator too; oversight reads.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.accounts.selectors import members_of
from opc_community.core import charts
from opc_community.core.admin_base import ReadOnlyAdmin, action_step
from opc_community.core.errors import DomainError
from opc_community.core.forms import DomainErrorsMixin
from resources.admin.vouchers import NoDeleteMixin
from resources.forms.stage import CloseForm, ImprovementCloseForm, RespondForm
from resources.models import ImprovementItem, ServiceRequest, StageService, StandingNotice, Survey
from resources.rules import stage as rules
from resources.selectors import stage as selectors
from resources.selectors import surveys as survey_selectors
from resources.services import board
from resources.services import stage as services
from resources.services import surveys as survey_services

SLA_LABELS = {
    rules.SlaState.PENDING: gettext_lazy("within the deadline"),
    rules.SlaState.OVERDUE: gettext_lazy("overdue"),
    rules.SlaState.MET: gettext_lazy("on time"),
    rules.SlaState.LATE: gettext_lazy("late"),
}


@admin.register(StageService)
class StageServiceAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("title", "stage", "order", "is_active")
    list_filter = ("stage", "is_active")
    list_editable = ("order", "is_active")
    search_fields = ("title", "code")


class OverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("deadline")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list:
        return [("yes", _("overdue")), ("open", _("open"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(selectors.overdue_q(timezone.now()))
        if self.value() == "open":
            return queryset.filter(status__in=("submitted", "in_progress"))
        return queryset


class AssignForm(DomainErrorsMixin, forms.Form):
    handler = forms.ModelChoiceField(label=gettext_lazy("Handler"), queryset=members_of(*services.HANDLERS))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = members_of(*services.HANDLERS).order_by("pk")  # type: ignore[attr-defined]


def _sla_html(state: rules.SlaState | None) -> str:
    if state is None:
        return "—"
    label = SLA_LABELS[state]
    if state in (rules.SlaState.OVERDUE, rules.SlaState.LATE):
        return format_html('<strong style="color:#b42318">{}</strong>', label)
    return str(label)


@admin.register(ServiceRequest)
class ServiceRequestAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("service", "resident", "status", "handler", "filed_at", "response_due_at", "response_sla",
                    "resolution_due_at", "resolution_sla", "rating")
    list_filter = ("status", OverdueFilter, "service__stage", "service", "rating")
    search_fields = ("resident__name", "service__title", "need")
    list_select_related = ("service", "resident", "handler")
    readonly_fields = ("service", "resident", "need", "status", "handler", "filed_at", "response_due_at",
                       "resolution_due_at", "due_provisional", "responded_at", "response", "closed_at", "result",
                       "cancelled_at", "cancel_reason", "rating", "rating_comment", "rated_at")
    actions = ("assign", "respond", "close")
    ordering = ("closed_at", "cancelled_at", "response_due_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=gettext_lazy("response"))
    def response_sla(self, item: ServiceRequest) -> str:
        return _sla_html(selectors.sla_states(item)[0])

    @admin.display(description=gettext_lazy("result"))
    def resolution_sla(self, item: ServiceRequest) -> str:
        return _sla_html(selectors.sla_states(item)[1])

    def _each(self, request: HttpRequest, queryset: QuerySet, step: Any, done: str) -> None:
        for item in queryset:
            try:
                step(item)
            except DomainError as error:
                self.message_user(request, f"{item}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"{item}: {done}", messages.SUCCESS)

    @admin.action(description=gettext_lazy("Assign a handler"), permissions=["change"])
    def assign(self, request: HttpRequest, queryset: QuerySet[ServiceRequest]) -> TemplateResponse | None:
        def apply(data: dict[str, Any]) -> None:
            self._each(request, queryset, lambda item: services.request_assign(
                request=item, handler=data["handler"], actor=request.user), _("handler assigned."))

        return action_step(self, request, queryset, form=AssignForm(request.POST if "apply" in request.POST else None),
                           title=_("Assign a handler"), action_name="assign", apply=apply)

    @admin.action(description=gettext_lazy("Respond to the resident"), permissions=["change"])
    def respond(self, request: HttpRequest, queryset: QuerySet[ServiceRequest]) -> TemplateResponse | None:
        def apply(data: dict[str, Any]) -> None:
            self._each(request, queryset, lambda item: services.request_respond(
                request=item, text=data["text"], actor=request.user), _("response sent."))

        return action_step(self, request, queryset, form=RespondForm(request.POST if "apply" in request.POST else None),
                           title=_("Respond to the resident"), action_name="respond", apply=apply)

    @admin.action(description=gettext_lazy("Close with the result"), permissions=["change"])
    def close(self, request: HttpRequest, queryset: QuerySet[ServiceRequest]) -> TemplateResponse | None:
        def apply(data: dict[str, Any]) -> None:
            self._each(request, queryset, lambda item: services.request_close(
                request=item, result=data["result"], actor=request.user), _("closed; the resident may rate it."))

        return action_step(self, request, queryset, form=CloseForm(request.POST if "apply" in request.POST else None),
                           title=_("Close with the result"), action_name="close", apply=apply)


# --- Surveys ---------------------------------------------------------------------------------------------------


def results_chart(rows: list[survey_selectors.Comparison], *, scale_max: int) -> charts.Chart:
    """Per service area, this quarter's average (blue) beside the previous quarter's (grey)."""
    lines = []
    for row in rows:
        now = row.current.area.average
        before = row.previous.area.average if row.previous else None
        lines.append(charts.Row(row.title[:14], [
            charts.Mark(now, f"{row.title}: {now if now is not None else '—'}", "—" if now is None else str(now)),
            charts.Mark(before, f"{row.title}: {before if before is not None else '—'}",
                        "—" if before is None else str(before), charts.GREY),
        ]))
    return charts.bar_chart(
        lines, chart_id="survey-chart", css_class="report-chart", title=_("Service quality by area"),
        desc=_("For each service area, the average answer this quarter (blue) and the quarter before (grey); "
               "areas with too few answers show no bar."),
        axis=charts.Axis(scale_max, tuple(range(0, scale_max + 1)), "{}"),
        legend=[(_("this quarter"), charts.BRAND), (_("previous quarter"), charts.GREY)],
    )


@admin.register(Survey)
class SurveyAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "opens_on", "closes_on", "respondents", "evaluated_at", "results_link")
    actions = ("open_current",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Survey]:
        from django.db.models import Count

        return super().get_queryset(request).annotate(respondent_count=Count("responses"))

    @admin.display(description=gettext_lazy("respondents"))
    def respondents(self, survey: Survey) -> int:
        return survey.respondent_count  # type: ignore[attr-defined]

    @admin.display(description=gettext_lazy("results"))
    def results_link(self, survey: Survey) -> str:
        return format_html('<a href="{}">{}</a>', reverse("admin:resources_survey_results", args=[survey.pk]),
                           _("results"))

    @admin.action(description=gettext_lazy("Open this quarter's survey"), permissions=["view"])
    def open_current(self, request: HttpRequest, queryset: QuerySet[Survey]) -> None:
        if not services.is_handler(request.user):
            raise PermissionDenied
        survey = survey_services.survey_ensure_current()
        self.message_user(request, _("The survey of %(quarter)s is open.") % {"quarter": survey}, messages.SUCCESS)

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [path("<int:pk>/results/", view(self.results_view), name="resources_survey_results"),
                *super().get_urls()]

    def results_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        survey = get_object_or_404(Survey, pk=pk)
        rows, previous, responded, responded_before = survey_selectors.comparison(survey)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Service-quality survey %(quarter)s: results") % {"quarter": survey},
            "opts": self.model._meta,
            "survey": survey, "previous": previous, "rows": rows,
            "responded": responded, "responded_before": responded_before,
            "min_group": survey_selectors.min_group(survey),
            "chart": results_chart(rows, scale_max=survey.scale_max),
            "improvements": list(survey.improvements.all()),
        }
        return TemplateResponse(request, "resources/stage/admin/survey_results.html", context)


@admin.register(ImprovementItem)
class ImprovementItemAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("area_title", "survey", "average", "threshold", "answers", "opened_at", "closed_at", "closed_by")
    list_filter = ("survey", ("closed_at", admin.EmptyFieldListFilter))
    list_select_related = ("survey", "closed_by")
    readonly_fields = ("survey", "area", "area_title", "average", "threshold", "answers", "opened_at", "closed_at",
                       "closed_by", "note")
    actions = ("close_items",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=gettext_lazy("Close with a note"), permissions=["change"])
    def close_items(self, request: HttpRequest, queryset: QuerySet[ImprovementItem]) -> TemplateResponse | None:
        def apply(data: dict[str, Any]) -> None:
            for item in queryset:
                try:
                    survey_services.improvement_close(item=item, note=data["note"], actor=request.user)
                except DomainError as error:
                    self.message_user(request, f"{item}: {error.message}", messages.ERROR)
                else:
                    self.message_user(request, _("%(item)s: closed.") % {"item": item}, messages.SUCCESS)

        return action_step(self, request, queryset,
                           form=ImprovementCloseForm(request.POST if "apply" in request.POST else None),
                           title=_("Close with a note"), action_name="close_items", apply=apply)


@admin.register(StandingNotice)
class StandingNoticeAdmin(ReadOnlyAdmin):
    list_display = ("key", "publication", "refreshed_at")
    list_select_related = ("publication",)
    actions = ("refresh",)

    @admin.action(description=gettext_lazy("Refresh the standing notices now"), permissions=["view"])
    def refresh(self, request: HttpRequest, queryset: QuerySet[StandingNotice]) -> None:
        if not services.is_handler(request.user):
            raise PermissionDenied
        done = board.standing_notices_refresh(actor=request.user)
        self.message_user(request, "；".join(f"{key}: {state or '—'}" for key, state in done.items()),
                          messages.SUCCESS)


