"""The operations desk for scenario matchmaking and policy help (第五章第二条).

- **Partners** (合作方): the register, with the contact person and phone (staff only).
- **Scenarios and opportunities**: added by the resources team, published through the action 「发布」 (the
  resource notice goes on the board); the list shows each one's funnel (interests → introduced → met →
  concluded → successful) and links to the **quarterly outcomes report** (chart + Excel).
- **Expressions of interest**: each with its proposal and steps; the action 「登记对接进展」 records an
  introduction, a meeting or the outcome (signed / funded with the amount / order with its value / no deal).
- **Policies**: published through 「发布」 (a policy notice on the board).
- **Requests for policy help**: the queue, the soonest response deadline first, with its state (within the
  deadline / overdue / answered on time / answered late) and an overdue filter; actions accept (the
  response), submitted to the authority, the authority's answer (granted with the amount, or not).

Who: the resources team writes, the administrator too; oversight reads. Nothing is deleted.
"""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.core import charts
from opc_community.core.admin_base import ReadOnlyInline, action_step
from opc_community.core.errors import DomainError
from opc_community.core.excel import Column, Sheet, xlsx_response
from resources.admin.vouchers import NoDeleteMixin
from resources.forms.matchmaking import HelpDecisionForm, HelpNoteForm, HelpSubmittedForm, StepForm
from resources.models import (
    HelpStatus,
    MatchStep,
    Partner,
    Policy,
    PolicyHelpRequest,
    Scenario,
    ScenarioInterest,
)
from resources.rules import matchmaking as rules
from resources.rules import quarters
from resources.selectors import matchmaking as selectors
from resources.services import policies as policy_services
from resources.services import scenarios as services

SLA_LABELS = {
    rules.Sla.PENDING: gettext_lazy("within the deadline"),
    rules.Sla.OVERDUE: gettext_lazy("overdue"),
    rules.Sla.MET: gettext_lazy("answered on time"),
    rules.Sla.LATE: gettext_lazy("answered late"),
}


class CreatedByMixin:
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)  # type: ignore[misc]


def _each(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: Any, call: Any, done: str) -> None:
    for obj in queryset:
        try:
            call(obj)
        except DomainError as error:
            modeladmin.message_user(request, f"{obj}: {error.message}", messages.ERROR)
        else:
            modeladmin.message_user(request, f"{obj}: {done}", messages.SUCCESS)


@admin.register(Partner)
class PartnerAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "contact_person", "contact_phone")
    list_filter = ("kind",)
    search_fields = ("name", "contact_person")


# --- Scenarios and the quarterly report --------------------------------------------------------------------


class InterestInline(ReadOnlyInline):
    model = ScenarioInterest
    fields = ("resident", "status", "submitted_at", "proposal")
    readonly_fields = fields
    show_change_link = True


REPORT_COLUMNS = (
    Column(gettext_lazy("kind"), lambda r: r.label, width=18),
    Column(gettext_lazy("interests"), lambda r: r.interests, "number"),
    Column(gettext_lazy("introductions"), lambda r: r.introductions, "number"),
    Column(gettext_lazy("meetings"), lambda r: r.meetings, "number"),
    Column(gettext_lazy("agreements signed"), lambda r: r.signed, "number"),
    Column(gettext_lazy("funded"), lambda r: r.funded, "number"),
    Column(gettext_lazy("orders won"), lambda r: r.orders, "number"),
    Column(gettext_lazy("no deal"), lambda r: r.no_deal, "number"),
    Column(gettext_lazy("funded amount (yuan)"), lambda r: r.funded_amount, "number", width=16),
    Column(gettext_lazy("order value (yuan)"), lambda r: r.order_value, "number", width=16),
)


def outcomes_chart(report: selectors.QuarterReport) -> charts.Chart:
    """Per kind of scenario: interests, introductions, meetings and successful outcomes of the quarter."""
    largest = max([0, *(max(r.interests, r.introductions, r.meetings, r.successes) for r in report.rows)])
    rows = [charts.Row(row.label, [
        charts.Mark(row.interests, f"{row.label}: {row.interests}", str(row.interests)),
        charts.Mark(row.introductions, f"{row.label}: {row.introductions}", str(row.introductions), charts.LIGHT_BLUE),
        charts.Mark(row.meetings, f"{row.label}: {row.meetings}", str(row.meetings), charts.GREY),
        charts.Mark(row.successes, f"{row.label}: {row.successes}", str(row.successes), charts.ACCENT),
    ]) for row in report.rows]
    return charts.bar_chart(
        rows, chart_id="outcomes-chart", css_class="report-chart",
        title=_("Matchmaking outcomes, Q%(quarter)s %(year)s") % {"quarter": report.quarter, "year": report.year},
        desc=_("For each kind of scenario: interests expressed, introductions, meetings and successful outcomes "
               "(signed, funded, order won) in the quarter; the table gives the same numbers and the amounts."),
        axis=charts.Axis.counting(largest),
        legend=[(_("interests"), charts.BRAND), (_("introductions"), charts.LIGHT_BLUE),
                (_("meetings"), charts.GREY), (_("successful outcomes"), charts.ACCENT)],
    )


@admin.register(Scenario)
class ScenarioAdmin(CreatedByMixin, NoDeleteMixin, admin.ModelAdmin):
    list_display = ("title", "kind", "partner", "deadline", "published_at", "interests", "introduced", "met",
                    "concluded", "successful")
    list_filter = ("kind", "partner__kind", "partner")
    search_fields = ("title", "partner__name", "industry")
    list_select_related = ("partner",)
    readonly_fields = ("published_at", "created_by", "created_at")
    inlines = (InterestInline,)
    actions = ("publish",)
    change_list_template = "resources/matchmaking/admin/scenario_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Scenario]:
        return selectors.with_funnel(super().get_queryset(request))

    @admin.display(description=gettext_lazy("interests"), ordering="interest_count")
    def interests(self, scenario: Scenario) -> int:
        return scenario.interest_count  # type: ignore[attr-defined]

    @admin.display(description=gettext_lazy("introduced"))
    def introduced(self, scenario: Scenario) -> int:
        return scenario.introduced_count  # type: ignore[attr-defined]

    @admin.display(description=gettext_lazy("met"))
    def met(self, scenario: Scenario) -> int:
        return scenario.met_count  # type: ignore[attr-defined]

    @admin.display(description=gettext_lazy("concluded"))
    def concluded(self, scenario: Scenario) -> int:
        return scenario.concluded_count  # type: ignore[attr-defined]

    @admin.display(description=gettext_lazy("successful"))
    def successful(self, scenario: Scenario) -> int:
        return scenario.success_count  # type: ignore[attr-defined]

    @admin.action(description=gettext_lazy("Publish the selected scenarios on the notice board"),
                  permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Scenario]) -> None:
        _each(self, request, queryset, lambda s: services.scenario_publish(scenario=s, actor=request.user),
              _("published; the resource notice is on the board."))

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("report/", view(self.report_view), name="resources_scenario_report"),
            path("report/export/", view(self.report_export), name="resources_scenario_report_export"),
            *super().get_urls(),
        ]

    def report_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        first, last = quarters.requested_quarter(request.GET.get("quarter", ""), today=timezone.localdate())
        report = selectors.quarterly_outcomes(first, last)
        year, quarter = quarters.quarter_number(first)
        previous, following = quarters.adjacent_labels(first)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Matchmaking outcomes, Q%(quarter)s %(year)s") % {"quarter": quarter, "year": year},
            "opts": self.model._meta, "report": report, "chart": outcomes_chart(report),
            "previous": previous, "following": following,
            "export_url": reverse("admin:resources_scenario_report_export") + f"?quarter={quarters.quarter_label(first)}",
        }
        return TemplateResponse(request, "resources/matchmaking/admin/report.html", context)

    def report_export(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        first, last = quarters.requested_quarter(request.GET.get("quarter", ""), today=timezone.localdate())
        report = selectors.quarterly_outcomes(first, last)
        return xlsx_response(f"matchmaking-outcomes-{quarters.quarter_label(first)}",
                             Sheet(_("Matchmaking outcomes"), REPORT_COLUMNS, [*report.rows, report.total]))


class StepInline(ReadOnlyInline):
    model = MatchStep
    fields = ("happened_on", "kind", "outcome", "amount", "note", "recorded_by", "recorded_at")
    readonly_fields = fields


@admin.register(ScenarioInterest)
class ScenarioInterestAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("resident", "scenario", "status", "submitted_at", "step_count")
    list_filter = ("status", "scenario__kind", "scenario")
    search_fields = ("resident__name", "scenario__title", "proposal")
    list_select_related = ("resident", "scenario")
    readonly_fields = ("scenario", "resident", "proposal", "status", "submitted_at", "updated_at", "closed_at")
    inlines = (StepInline,)
    actions = ("record_step",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[ScenarioInterest]:
        return super().get_queryset(request).annotate(steps_n=Count("steps"))

    @admin.display(description=gettext_lazy("steps"), ordering="steps_n")
    def step_count(self, interest: ScenarioInterest) -> int:
        return interest.steps_n  # type: ignore[attr-defined]

    @admin.action(description=gettext_lazy("Record an introduction, a meeting or the outcome"),
                  permissions=["change"])
    def record_step(self, request: HttpRequest, queryset: QuerySet[ScenarioInterest]) -> TemplateResponse | None:
        def apply(data: dict[str, Any]) -> None:
            for interest in queryset:
                services.step_record(interest=interest, kind=data["kind"], happened_on=data["happened_on"],
                                     outcome=data.get("outcome") or "", amount=data.get("amount"),
                                     note=data.get("note") or "", actor=request.user)
                self.message_user(request, _("%(interest)s: recorded; the resident was told.")
                                  % {"interest": interest}, messages.SUCCESS)

        return action_step(self, request, queryset, form=StepForm(request.POST if "apply" in request.POST else None),
                           title=_("Record an introduction, a meeting or the outcome"), action_name="record_step",
                           apply=apply)


# --- Policies and help requests ------------------------------------------------------------------------------


@admin.register(Policy)
class PolicyAdmin(CreatedByMixin, NoDeleteMixin, admin.ModelAdmin):
    list_display = ("title", "kind", "issuer", "application_deadline", "published_at", "followers", "requests")
    list_filter = ("kind",)
    search_fields = ("title", "summary")
    list_select_related = ("issuer",)
    readonly_fields = ("published_at", "created_by", "created_at")
    actions = ("publish",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Policy]:
        return super().get_queryset(request).annotate(
            followers_n=Count("interests", distinct=True), requests_n=Count("help_requests", distinct=True))

    @admin.display(description=gettext_lazy("followers"), ordering="followers_n")
    def followers(self, policy: Policy) -> int:
        return policy.followers_n  # type: ignore[attr-defined]

    @admin.display(description=gettext_lazy("help requests"), ordering="requests_n")
    def requests(self, policy: Policy) -> int:
        return policy.requests_n  # type: ignore[attr-defined]

    @admin.action(description=gettext_lazy("Publish the selected policies on the notice board"),
                  permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Policy]) -> None:
        _each(self, request, queryset, lambda p: policy_services.policy_publish(policy=p, actor=request.user),
              _("published; the policy notice is on the board."))


class HelpOverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("response deadline")
    parameter_name = "sla"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("overdue", _("overdue")), ("pending", _("within the deadline"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        cutoff = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        waiting = queryset.filter(status=HelpStatus.REQUESTED)
        if self.value() == "overdue":
            return waiting.filter(response_due_at__lt=cutoff)
        if self.value() == "pending":
            return waiting.filter(response_due_at__gte=cutoff)
        return queryset


@admin.register(PolicyHelpRequest)
class PolicyHelpRequestAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("resident", "policy", "status", "requested_at", "response_due_at", "sla", "handled_by",
                    "granted_amount")
    list_filter = ("status", HelpOverdueFilter, "policy__kind", "policy")
    search_fields = ("resident__name", "policy__title", "question")
    list_select_related = ("resident", "policy", "handled_by")
    readonly_fields = ("policy", "resident", "question", "status", "requested_at", "response_due_at",
                       "response_due_provisional", "accepted_at", "handled_by", "submitted_on", "decided_on",
                       "granted_amount", "staff_note", "closed_at", "overdue_flagged_at")
    actions = ("accept", "mark_submitted", "decide")
    ordering = ("response_due_at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=gettext_lazy("response deadline"))
    def sla(self, item: PolicyHelpRequest) -> str:
        state = selectors.sla_of(item)
        if state in (rules.Sla.OVERDUE, rules.Sla.LATE):
            return format_html('<strong style="color:#b42318">{}</strong>', SLA_LABELS[state])
        return str(SLA_LABELS[state])

    def _step(self, request: HttpRequest, queryset: QuerySet, form_class: Any, title: str, name: str,
              call: Any) -> TemplateResponse | None:
        def apply(data: dict[str, Any]) -> None:
            for item in queryset:
                call(item, data)
                self.message_user(request, _("%(request)s: done; the resident was told.") % {"request": item},
                                  messages.SUCCESS)

        return action_step(self, request, queryset, form=form_class(request.POST if "apply" in request.POST else None),
                           title=title, action_name=name, apply=apply)

    @admin.action(description=gettext_lazy("Accept (the response to the resident)"), permissions=["change"])
    def accept(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        return self._step(request, queryset, HelpNoteForm, _("Accept (the response to the resident)"), "accept",
                          lambda item, data: policy_services.help_accept(request=item, note=data.get("note") or "",
                                                                         actor=request.user))

    @admin.action(description=gettext_lazy("Submitted to the authority"), permissions=["change"])
    def mark_submitted(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        return self._step(request, queryset, HelpSubmittedForm, _("Submitted to the authority"), "mark_submitted",
                          lambda item, data: policy_services.help_submit(
                              request=item, submitted_on=data.get("submitted_on"), note=data.get("note") or "",
                              actor=request.user))

    @admin.action(description=gettext_lazy("Record the authority's answer"), permissions=["change"])
    def decide(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        return self._step(request, queryset, HelpDecisionForm, _("Record the authority's answer"), "decide",
                          lambda item, data: policy_services.help_decide(
                              request=item, granted=data["granted"], amount=data.get("amount"),
                              decided_on=data.get("decided_on"), note=data.get("note") or "", actor=request.user))
