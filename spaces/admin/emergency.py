"""Emergency plans (应急预案, 第七章第四条) in the operations desk: versions, supplies, activations.

- **Plans**: "Publish a new version" (prefilled with the current text) supersedes the current version of
  its kind; old versions stay readable. On a current plan's page: "Activate this plan".
- **Supplies** (应急物资): stock with an expiry date, red when expired, amber when expiring.
- **Activations**: the timeline (who, when, what); "Record an action" and "End" on its page.
Nothing here is deleted.
"""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community import rulebook
from opc_community.core.admin_base import ReadOnlyAdmin, ReadOnlyInline, action_step
from spaces.forms.emergency import ActivateForm, EndForm, PlanForm, TimelineForm
from spaces.models import ActivationEntry, EmergencyPlan, EmergencySupply, PlanActivation
from spaces.rules import emergency as rules
from spaces.selectors import emergency as selectors
from spaces.services import emergency as services
from spaces.services.safety import is_safety_staff

_COLOURS = {"expired": "#b42318", "expiring": "#b54708"}
_STEPS_TEMPLATE = "spaces/desks/admin/request_change_form.html"


@admin.register(EmergencyPlan)
class EmergencyPlanAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "version", "published_at", "published_by", "is_current")
    list_filter = ("kind",)
    fields = ("kind", "version", "title", "roles", "procedures", "published_at", "published_by", "superseded_at")
    readonly_fields = fields
    list_select_related = ("published_by",)
    change_form_template = _STEPS_TEMPLATE
    change_list_template = "spaces/safety/admin/plan_change_list.html"

    @admin.display(description=gettext_lazy("current"), boolean=True)
    def is_current(self, plan: EmergencyPlan) -> bool:
        return plan.superseded_at is None

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [path("publish/", view(self.publish_view), name="spaces_emergencyplan_publish"),
                path("<int:pk>/activate/", view(self.activate_view), name="spaces_emergencyplan_activate"),
                *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        can = is_safety_staff(request.user)
        return super().changelist_view(request, {**(extra_context or {}), "may_publish": can})

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        steps = []
        plan = EmergencyPlan.objects.filter(pk=object_id, superseded_at__isnull=True).first()
        if plan and is_safety_staff(request.user):
            steps = [
                {"url": reverse("admin:spaces_emergencyplan_publish") + f"?kind={plan.kind}",
                 "label": _("Publish a new version")},
                {"url": reverse("admin:spaces_emergencyplan_activate", args=[plan.pk]), "label": _("Activate this plan")},
            ]
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "decision_steps": steps})

    def publish_view(self, request: HttpRequest) -> HttpResponse:
        if not is_safety_staff(request.user):
            raise PermissionDenied
        back = reverse("admin:spaces_emergencyplan_changelist")
        initial: dict[str, Any] = {}
        current = selectors.current_plans().filter(kind=request.GET.get("kind", "")).first()
        if current:
            initial = {"kind": current.kind, "title": current.title, "roles": current.roles,
                       "procedures": current.procedures}
        posted = "apply" in request.POST

        def apply(data: dict[str, Any]) -> None:
            plan = services.plan_publish(actor=request.user, **data)
            self.message_user(request, _("Version %(version)s is now the plan in force.") % {"version": plan.version},
                              messages.SUCCESS)

        return action_step(self, request, EmergencyPlan.objects.none(),
                           form=PlanForm(request.POST if posted else None, initial=initial),
                           title=_("Publish a new version"), action_name="", apply=apply, single=True,
                           back_url=back) or HttpResponseRedirect(back)

    def activate_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not is_safety_staff(request.user):
            raise PermissionDenied
        plan = get_object_or_404(EmergencyPlan, pk=pk)
        back = reverse("admin:spaces_emergencyplan_change", args=[pk])
        done: dict[str, Any] = {}

        def apply(data: dict[str, Any]) -> None:
            done["activation"] = services.plan_activate(plan=plan, reason=data["reason"], actor=request.user)
            self.message_user(request, _("The plan is activated; the administrator has been told."), messages.SUCCESS)

        response = action_step(self, request, [plan], form=ActivateForm(request.POST if "apply" in request.POST
                                                                        else None),
                               title=_("Activate this plan"), action_name="", apply=apply, single=True, back_url=back)
        if response is not None:
            return response
        return HttpResponseRedirect(reverse("admin:spaces_planactivation_change", args=[done["activation"].pk]))


@admin.register(EmergencySupply)
class EmergencySupplyAdmin(admin.ModelAdmin):
    list_display = ("name", "plan_kind", "location", "quantity", "unit", "expires_on", "expiry")
    list_filter = ("plan_kind",)
    search_fields = ("name", "location")
    fields = ("name", "plan_kind", "location", "quantity", "unit", "expires_on")

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        today = timezone.localdate()
        warning = int(rulebook.in_force(on=today).safety.supply_expiry_warning_days)
        selectors.with_expiry(list(changelist.result_list), today=today, warning_days=warning)
        return changelist

    @admin.display(description=gettext_lazy("expiry"))
    def expiry(self, supply: EmergencySupply) -> str:
        state = getattr(supply, "expiry", None)
        if state is None and supply.expires_on:
            state = rules.supply_expiry_state(expires_on=supply.expires_on, today=timezone.localdate(),
                                              warning_days=30)
        if not state:
            return "—"
        label = _("Expired") if state == "expired" else _("Expiring soon")
        return format_html('<strong style="color:{}">{}</strong>', _COLOURS[state], label)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: EmergencySupply, form: Any, change: bool) -> None:
        services.supply_save(supply=obj, actor=request.user)  # the form has checked what the service checks


class TimelineInline(ReadOnlyInline):
    model = ActivationEntry
    fields = ("at", "actor", "text")
    readonly_fields = fields


@admin.register(PlanActivation)
class PlanActivationAdmin(ReadOnlyAdmin):
    list_display = ("plan", "reason", "started_at", "started_by", "ended_at")
    list_select_related = ("plan", "started_by")
    fields = ("plan", "reason", "started_at", "started_by", "ended_at")
    readonly_fields = fields
    inlines = (TimelineInline,)
    change_form_template = _STEPS_TEMPLATE

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [path("<int:pk>/<str:step>/", view(self.step_view), name="spaces_planactivation_step"),
                *super().get_urls()]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        steps = []
        if is_safety_staff(request.user) and PlanActivation.objects.filter(pk=object_id, ended_at__isnull=True).exists():
            steps = [{"url": reverse("admin:spaces_planactivation_step", args=[object_id, key]), "label": label}
                     for key, (label, _form) in ACTIVATION_STEPS.items()]
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "decision_steps": steps})

    def step_view(self, request: HttpRequest, pk: int, step: str) -> HttpResponse:
        if not is_safety_staff(request.user) or step not in ACTIVATION_STEPS:
            raise PermissionDenied
        activation = get_object_or_404(PlanActivation, pk=pk)
        back = reverse("admin:spaces_planactivation_change", args=[pk])
        label, form_class = ACTIVATION_STEPS[step]

        def apply(data: dict[str, Any]) -> None:
            if step == "record":
                services.activation_record(activation=activation, text=data["text"], actor=request.user)
            else:
                services.activation_end(activation=activation, summary=data["summary"], actor=request.user)
            self.message_user(request, _("Recorded."), messages.SUCCESS)

        return action_step(self, request, [activation],
                           form=form_class(request.POST if "apply" in request.POST else None),
                           title=str(label), action_name="", apply=apply, single=True,
                           back_url=back) or HttpResponseRedirect(back)


ACTIVATION_STEPS = {
    "record": (gettext_lazy("Record an action"), TimelineForm),
    "end": (gettext_lazy("End the activation"), EndForm),
}
