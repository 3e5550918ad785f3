"""Quarterly plans and their change requests in the operations desk (RULEBOOK §7.1, decision added 2026-12).

- **Plans**: the queue of plans to accept or return — submitted first, earliest decision day first, late
  ones in red, a zero milestone count or target marked so it is accepted knowingly — with the filters
  staff use (status, quarter, decision late). 「接受计划」 locks the selected plans; 「退回计划」 asks for
  the reason the residents read. Nothing else changes a plan here.
- **Plan changes**: the queue of change requests with their answer day; 「批准变更」 and 「拒绝变更」 ask
  for the reason.

Who: holders of the scoring permissions — the administrator decides, oversight reads; the services check
the role again and refuse a plan of the decider's own account.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.core.admin_base import ReadOnlyInline, action_step
from opc_community.core.errors import DomainError
from opc_community.core.money import format_yuan
from scoring.forms.plans import StaffReasonForm
from scoring.models import PlanChange, PlanChangeStatus, PlanStatus, QuarterPlan
from scoring.selectors import plans as selectors
from scoring.services import plans as services


def _due(day: Any, *, waiting: bool) -> str:
    """A decision day, in red once it has passed while the decision is still awaited."""
    if day is None:
        return "—"
    text = format_html('<time datetime="{}">{}</time>', day.isoformat(), formats.date_format(day, "DATE_FORMAT"))
    if waiting and day < timezone.localdate():
        return format_html('<strong style="color:#b42318">{} · {}</strong>', text, _("Overdue"))
    return text


def _waiting_first(status: str) -> Case:
    """0 for rows awaiting staff, 1 for the others: the queue's first sort key."""
    return Case(When(status=status, then=Value(0)), default=Value(1), output_field=IntegerField())


class DecisionLateFilter(admin.SimpleListFilter):
    title = gettext_lazy("decision late")
    parameter_name = "late"
    #: The model's status awaiting staff and the field holding its decision day.
    waiting: tuple[str, str] = ("status", "decision_due_on")
    waiting_status: str = PlanStatus.SUBMITTED

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("yes", gettext_lazy("Yes"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            status, due = self.waiting
            return queryset.filter(**{status: self.waiting_status, f"{due}__lt": timezone.localdate()})
        return queryset


class AnswerLateFilter(DecisionLateFilter):
    waiting = ("status", "answer_due_on")
    waiting_status = PlanChangeStatus.PENDING


def _decide_each(modeladmin: admin.ModelAdmin, request: HttpRequest, items: Any,
                 decide: Callable[[Any], Any], done: str) -> None:
    """Call ``decide`` on each item; a refusal is reported for that item, the others go on."""
    count = 0
    for item in items:
        try:
            decide(item)
        except (DomainError, PermissionDenied) as error:
            modeladmin.message_user(request, f"{item}: {getattr(error, 'message', error)}", messages.ERROR)
        else:
            count += 1
    if count:
        modeladmin.message_user(request, done % {"count": count}, messages.SUCCESS)


class ChangeInline(ReadOnlyInline):
    model = PlanChange
    fields = ("requested_at", "previous_milestones_planned", "milestones_planned", "previous_revenue_target",
              "revenue_target", "reason", "status", "decided_by", "answer")
    readonly_fields = fields


@admin.register(QuarterPlan)
class QuarterPlanAdmin(admin.ModelAdmin):
    list_display = ("resident", "quarter", "status", "milestones_planned", "target", "submitted_at", "decision_due",
                    "change_pending", "decided_by")
    list_filter = ("status", DecisionLateFilter, "quarter")
    search_fields = ("resident__name",)
    actions = ("accept", "send_back")
    inlines = (ChangeInline,)
    fields = ("quarter", "resident", "status", "milestones_planned", "revenue_target", "note", "submitted_at",
              "decision_due_on", "decided_by", "decided_at", "return_reason", "refile_due_on")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[QuarterPlan]:
        queued = QuarterPlan.objects.annotate(waiting=_waiting_first(PlanStatus.SUBMITTED))
        return selectors.staff_list(queued).order_by(*self.get_ordering(request))

    def get_ordering(self, request: HttpRequest) -> list[str]:
        return ["waiting", "decision_due_on", "resident__name"]  # the queue: awaiting staff, earliest day first

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # residents file their plans in the portal or the API

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("quarterly revenue target"), ordering="revenue_target")
    def target(self, plan: QuarterPlan) -> str:
        amount = format_yuan(plan.revenue_target)
        if plan.revenue_target == 0 or plan.milestones_planned == 0:
            # A zero counts as 100 % once accepted (RULEBOOK §7.1): staff accept it knowingly.
            return format_html('{} <strong style="color:#b54708">{}</strong>', amount, _("zero in the plan"))
        return amount

    @admin.display(description=gettext_lazy("decision due on"), ordering="decision_due_on")
    def decision_due(self, plan: QuarterPlan) -> str:
        return _due(plan.decision_due_on, waiting=plan.status == PlanStatus.SUBMITTED)

    @admin.display(description=gettext_lazy("change awaiting"), boolean=True)
    def change_pending(self, plan: QuarterPlan) -> bool:
        return plan.change_pending

    @admin.action(description=gettext_lazy("Accept the selected plans"), permissions=["change"])
    def accept(self, request: HttpRequest, queryset: QuerySet[QuarterPlan]) -> None:
        _decide_each(self, request, queryset, lambda plan: services.plan_accept(plan=plan, actor=request.user),
                     _("%(count)d plans accepted and locked."))

    @admin.action(description=gettext_lazy("Return the selected plans"), permissions=["change"])
    def send_back(self, request: HttpRequest, queryset: QuerySet[QuarterPlan]) -> TemplateResponse | None:
        """Ask for the reason, then return each plan (its resident is told the reason and the new last day)."""
        return action_step(
            self, request, queryset, form=StaffReasonForm(request.POST if "apply" in request.POST else None),
            title=_("Return the selected plans"), action_name="send_back",
            apply=lambda data: _decide_each(
                self, request, queryset,
                lambda plan: services.plan_return(plan=plan, reason=data["reason"], actor=request.user),
                _("%(count)d plans returned; the residents were told the reason.")),
        )


@admin.register(PlanChange)
class PlanChangeAdmin(admin.ModelAdmin):
    list_display = ("resident", "quarter", "milestones", "targets", "reason", "status", "answer_due", "decided_by")
    list_filter = ("status", AnswerLateFilter, "plan__quarter")
    search_fields = ("plan__resident__name", "reason")
    list_select_related = ("plan__resident", "plan__quarter", "decided_by")
    actions = ("approve", "refuse")
    fields = ("plan", "previous_milestones_planned", "milestones_planned", "previous_revenue_target",
              "revenue_target", "reason", "requested_by", "requested_at", "answer_due_on", "status", "decided_by",
              "decided_at", "answer")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[PlanChange]:
        queued = PlanChange.objects.annotate(waiting=_waiting_first(PlanChangeStatus.PENDING))
        return queued.order_by(*self.get_ordering(request))

    def get_ordering(self, request: HttpRequest) -> list[str]:
        return ["waiting", "answer_due_on", "-requested_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("resident"), ordering="plan__resident__name")
    def resident(self, change: PlanChange) -> Any:
        return change.plan.resident

    @admin.display(description=gettext_lazy("quarter"), ordering="plan__quarter")
    def quarter(self, change: PlanChange) -> Any:
        return change.plan.quarter

    @admin.display(description=gettext_lazy("milestones planned"))
    def milestones(self, change: PlanChange) -> str:
        return f"{change.previous_milestones_planned} → {change.milestones_planned}"

    @admin.display(description=gettext_lazy("quarterly revenue target"))
    def targets(self, change: PlanChange) -> str:
        return f"{format_yuan(change.previous_revenue_target)} → {format_yuan(change.revenue_target)}"

    @admin.display(description=gettext_lazy("answer due on"), ordering="answer_due_on")
    def answer_due(self, change: PlanChange) -> str:
        return _due(change.answer_due_on, waiting=change.status == PlanChangeStatus.PENDING)

    def _decide(self, request: HttpRequest, queryset: QuerySet[PlanChange], *, service: Any, name: str,
                title: str, done: str) -> TemplateResponse | None:
        return action_step(
            self, request, queryset, form=StaffReasonForm(request.POST if "apply" in request.POST else None),
            title=title, action_name=name,
            apply=lambda data: _decide_each(
                self, request, queryset,
                lambda change: service(change=change, answer=data["reason"], actor=request.user), done),
        )

    @admin.action(description=gettext_lazy("Approve the selected changes"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[PlanChange]) -> TemplateResponse | None:
        return self._decide(request, queryset, service=services.plan_change_approve, name="approve",
                            title=_("Approve the selected changes"),
                            done=_("%(count)d changes approved; the plans take the new numbers."))

    @admin.action(description=gettext_lazy("Refuse the selected changes"), permissions=["change"])
    def refuse(self, request: HttpRequest, queryset: QuerySet[PlanChange]) -> TemplateResponse | None:
        return self._decide(request, queryset, service=services.plan_change_refuse, name="refuse",
                            title=_("Refuse the selected changes"),
                            done=_("%(count)d changes refused; the plans stay as they are."))
