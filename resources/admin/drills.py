"""Safety drills and training (消防演练、安全培训、应急演练, 第七章第四条) in the operations desk.

"Plan a drill" creates the drill's activity (kind ``drill``: residents register and check in as for any
activity; it counts for the participation rate only when "counts for attendance" is ticked) and the drill
row. On a drill that has ended: "Write the after-action report" — the report and its findings, each
finding a safety work item. Who: the daily management team, the resources team and the administrator
(``resources.services.drills.DRILL_STAFF``); oversight reads. Nothing is deleted.
"""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.core.admin_base import ReadOnlyAdmin, ReadOnlyInline, action_step
from resources.forms.drills import DrillPlanForm, DrillReportForm
from resources.models import DrillFinding, SafetyDrill
from resources.selectors import drills as selectors
from resources.services import drills as services


class FindingInline(ReadOnlyInline):
    model = DrillFinding
    fields = ("text", "work_item")
    readonly_fields = fields


@admin.register(SafetyDrill)
class SafetyDrillAdmin(ReadOnlyAdmin):
    list_display = ("activity", "drill_type", "starts_at", "place", "attended", "reported")
    list_filter = ("drill_type",)
    search_fields = ("activity__title",)
    fields = ("activity", "drill_type", "plan_kind", "starts_at", "place", "counts", "attended", "report",
              "reported_at", "reported_by")
    readonly_fields = fields
    inlines = (FindingInline,)
    change_form_template = "spaces/desks/admin/request_change_form.html"
    change_list_template = "resources/admin/drill_change_list.html"

    def get_queryset(self, request: HttpRequest) -> Any:
        return selectors.drills()

    @admin.display(description=gettext_lazy("starts at"), ordering="activity__starts_at")
    def starts_at(self, drill: SafetyDrill) -> Any:
        return drill.activity.starts_at

    @admin.display(description=gettext_lazy("place"))
    def place(self, drill: SafetyDrill) -> str:
        return drill.activity.place

    @admin.display(description=gettext_lazy("counts for attendance"), boolean=True)
    def counts(self, drill: SafetyDrill) -> bool:
        return drill.activity.counts_for_attendance

    @admin.display(description=gettext_lazy("attended"))
    def attended(self, drill: SafetyDrill) -> int:
        return getattr(drill, "attended", 0)

    @admin.display(description=gettext_lazy("after-action report"), boolean=True)
    def reported(self, drill: SafetyDrill) -> bool:
        return drill.reported_at is not None

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [path("plan/", view(self.plan_view), name="resources_safetydrill_plan"),
                path("<int:pk>/report/", view(self.report_view), name="resources_safetydrill_report"),
                *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        return super().changelist_view(request, {**(extra_context or {}),
                                                 "may_plan": services.is_drill_staff(request.user)})

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        steps = []
        if services.is_drill_staff(request.user) and SafetyDrill.objects.filter(
                pk=object_id, reported_at__isnull=True, activity__cancelled_at__isnull=True,
                activity__ends_at__lte=timezone.now()).exists():
            steps = [{"url": reverse("admin:resources_safetydrill_report", args=[object_id]),
                      "label": _("Write the after-action report")}]
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "decision_steps": steps})

    def plan_view(self, request: HttpRequest) -> HttpResponse:
        if not services.is_drill_staff(request.user):
            raise PermissionDenied
        back = reverse("admin:resources_safetydrill_changelist")

        def apply(data: dict[str, Any]) -> None:
            services.drill_plan(actor=request.user, **data)
            self.message_user(request, _("The drill is planned; residents can register."), messages.SUCCESS)

        return action_step(self, request, SafetyDrill.objects.none(),
                           form=DrillPlanForm(request.POST if "apply" in request.POST else None),
                           title=_("Plan a drill"), action_name="", apply=apply, single=True,
                           back_url=back) or HttpResponseRedirect(back)

    def report_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not services.is_drill_staff(request.user):
            raise PermissionDenied
        drill = get_object_or_404(SafetyDrill, pk=pk)
        back = reverse("admin:resources_safetydrill_change", args=[pk])

        def apply(data: dict[str, Any]) -> None:
            services.drill_report(drill=drill, report=data["report"], findings=data["findings"].splitlines(),
                                  actor=request.user)
            self.message_user(request, _("The after-action report is recorded; each finding is a work item."),
                              messages.SUCCESS)

        return action_step(self, request, [drill],
                           form=DrillReportForm(request.POST if "apply" in request.POST else None),
                           title=_("Write the after-action report"), action_name="", apply=apply, single=True,
                           back_url=back) or HttpResponseRedirect(back)
