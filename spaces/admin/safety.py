"""Safety in the operations desk (第七章): the fire equipment register, inspections, work items, incidents.

- **Register** (消防设施台账): items are added and described here; the next inspection day, overdue state
  and expiry state come from the rules (``spaces.rules.safety``), red when late. Status and the last
  inspection day are kept by the services (the phone round, work items), never typed.
- **Work items** (整改工单): closed on their page with what was done and a photo of the repair.
- **Incidents** (安全事件): reported in the portal; on an incident's page the daily management team
  triages (severity → response deadline), records actions and the report to the authorities, and closes.
Nothing here is deleted.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.core.admin_base import ReadOnlyAdmin, ReadOnlyInline, action_step
from opc_community.core.moments import format_day, format_moment
from spaces.forms.safety import (
    AuthorityReportForm,
    IncidentActionForm,
    IncidentCloseForm,
    PatrolForm,
    TriageForm,
    WorkItemCloseForm,
)
from spaces.models import (
    DutyShift,
    FireEquipment,
    Incident,
    IncidentStatus,
    Inspection,
    PatrolRound,
    SafetyWorkItem,
    WorkItemStatus,
)
from spaces.rules import safety as rules
from spaces.selectors import safety as selectors
from spaces.services import safety as services

_RED = '<strong style="color:#b42318">{}</strong>'


def _photo_link(kind: str, obj: Any, field: str = "photo") -> str:
    if not getattr(obj, field):
        return "—"
    return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>',
                       reverse("spaces:safety_photo", args=[kind, obj.pk]), _("Open the photo"))


class DueFilter(admin.SimpleListFilter):
    title = gettext_lazy("needs attention")
    parameter_name = "due"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("overdue", gettext_lazy("inspection overdue")), ("defective", gettext_lazy("defective"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "overdue":
            overdue = [item.pk for item in selectors.overdue_equipment(today=timezone.localdate())]
            return queryset.filter(pk__in=overdue)
        if self.value() == "defective":
            return queryset.filter(status="defective")
        return queryset


@admin.register(FireEquipment)
class FireEquipmentAdmin(admin.ModelAdmin):
    list_display = ("code", "equipment_type", "location", "status", "last_inspected_on", "next_inspection",
                    "expiry", "installed_on")
    list_filter = (DueFilter, "equipment_type", "status")
    search_fields = ("code", "location")
    ordering = ("location", "code")
    readonly_fields = ("status", "last_inspected_on")
    fields = ("code", "equipment_type", "location", "installed_on", "expires_on", "note", "status",
              "last_inspected_on")
    list_per_page = 100

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # retired, never deleted: the inspections refer to it

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        selectors.equipment_due_state(list(changelist.result_list), today=timezone.localdate())
        return changelist

    def _state(self, item: FireEquipment) -> None:
        if not hasattr(item, "due_on"):
            selectors.equipment_due_state([item], today=timezone.localdate())

    @admin.display(description=gettext_lazy("next inspection by"))
    def next_inspection(self, item: FireEquipment) -> str:
        self._state(item)
        text = format_day(item.due_on)
        return format_html(_RED, f"{text} · {_('Overdue')}") if item.overdue else text

    @admin.display(description=gettext_lazy("expiry"))
    def expiry(self, item: FireEquipment) -> str:
        self._state(item)
        if item.expires_on is None:
            return "—"
        text = format_day(item.expires_on)
        if item.expiry == "expired":
            return format_html(_RED, f"{text} · {_('Expired')}")
        if item.expiry == "expiring":
            return format_html('<strong style="color:#b54708">{}</strong>', f"{text} · {_('Expiring soon')}")
        return text


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ("equipment", "round_month", "inspected_on", "result", "note", "inspected_by")
    list_filter = ("result", "round_month")
    search_fields = ("equipment__code", "equipment__location")
    list_select_related = ("equipment", "inspected_by")
    fields = ("equipment", "round_month", "inspected_on", "result", "note", "photo_link", "inspected_by",
              "recorded_at")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("photo"))
    def photo_link(self, inspection: Inspection) -> str:
        return _photo_link("inspection", inspection)


@admin.register(SafetyWorkItem)
class SafetyWorkItemAdmin(ReadOnlyAdmin):
    list_display = ("title", "status", "equipment", "opened_at", "closed_at", "closed_by")
    list_filter = ("status",)
    search_fields = ("title", "equipment__code")
    list_select_related = ("equipment", "closed_by", "opened_by", "incident")
    fields = ("title", "status", "equipment", "inspection", "defect_photo", "incident", "opened_by", "opened_at",
              "closed_by", "closed_at", "closing_note", "evidence_link")
    readonly_fields = fields
    change_form_template = "spaces/desks/admin/request_change_form.html"

    @admin.display(description=gettext_lazy("photo of the defect"))
    def defect_photo(self, item: SafetyWorkItem) -> str:
        return _photo_link("inspection", item.inspection) if item.inspection_id else "—"

    @admin.display(description=gettext_lazy("evidence"))
    def evidence_link(self, item: SafetyWorkItem) -> str:
        return _photo_link("work_item", item, "evidence")

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [path("<int:pk>/close/", view(self.close_view), name="spaces_safetyworkitem_close"),
                *super().get_urls()]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        steps = []
        if services.is_safety_staff(request.user) and SafetyWorkItem.objects.filter(
                pk=object_id, status=WorkItemStatus.OPEN).exists():
            steps = [{"url": reverse("admin:spaces_safetyworkitem_close", args=[object_id]),
                      "label": _("Close with evidence")}]
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "decision_steps": steps})

    def close_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not services.is_safety_staff(request.user):
            raise PermissionDenied
        item = get_object_or_404(selectors.work_items(), pk=pk)
        back = reverse("admin:spaces_safetyworkitem_change", args=[pk])
        posted = "apply" in request.POST

        def apply(data: dict[str, Any]) -> None:
            services.work_item_close(item=item, note=data["note"], evidence=data["evidence"], actor=request.user)
            self.message_user(request, _("The work item is closed."), messages.SUCCESS)

        return action_step(
            self, request, [item], form=WorkItemCloseForm(request.POST if posted else None,
                                                          request.FILES if posted else None),
            title=_("Close with evidence"), action_name="", apply=apply, single=True, back_url=back,
        ) or HttpResponseRedirect(back)


INCIDENT_STEPS = {
    "triage": (gettext_lazy("Triage"), TriageForm),
    "action": (gettext_lazy("Record an action"), IncidentActionForm),
    "authorities": (gettext_lazy("Record the report to the authorities"), AuthorityReportForm),
    "close": (gettext_lazy("Close"), IncidentCloseForm),
}


class ResponseOverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("response overdue")
    parameter_name = "late"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("yes", gettext_lazy("Yes"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.exclude(status=IncidentStatus.CLOSED).filter(respond_by__lt=timezone.now())
        return queryset


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ("number", "category", "place", "occurred_at", "status", "severity", "deadline", "reported_by")
    list_filter = ("status", "severity", "category", ResponseOverdueFilter)
    search_fields = ("number", "place", "description")
    list_select_related = ("reported_by",)
    ordering = ("-reported_at",)
    change_form_template = "spaces/desks/admin/request_change_form.html"
    fields = ("number", "category", "place", "occurred_at", "description", "photo_link", "reported_by",
              "reported_at", "status", "severity", "respond_by", "triaged_by", "triaged_at",
              "authorities_told", "authorities_told_at", "authorities_told_by", "closed_by", "closed_at",
              "outcome", "action_log")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("respond by"), ordering="respond_by")
    def deadline(self, incident: Incident) -> str:
        if incident.respond_by is None:
            return "—"
        text = format_moment(incident.respond_by)
        if rules.response_overdue(respond_by=incident.respond_by, status=incident.status, now=timezone.now()):
            return format_html(_RED, f"{text} · {_('Overdue')}")
        return text

    @admin.display(description=gettext_lazy("photo"))
    def photo_link(self, incident: Incident) -> str:
        return _photo_link("incident", incident)

    @admin.display(description=gettext_lazy("actions"))
    def action_log(self, incident: Incident) -> str:
        actions = incident.actions.select_related("actor")
        if not actions:
            return "—"
        return format_html_join("", "<div>{} · {} · {}</div>",
                                ((format_moment(a.at), a.actor, a.text) for a in actions))

    def _steps(self, incident: Incident) -> list[str]:
        if incident.status == IncidentStatus.REPORTED:
            return ["triage"]
        if incident.status == IncidentStatus.IN_PROGRESS:
            steps = ["action", "close"]
            if rules.is_serious(incident.severity) and not incident.authorities_told:
                steps = ["action", "authorities", "close"]
            return steps
        return []

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [path("<int:pk>/step/<str:step>/", view(self.step_view), name="spaces_incident_step"),
                path("<int:pk>/more/<str:key>/", view(self.more_view), name="spaces_incident_more"),
                *super().get_urls()]

    def more_view(self, request: HttpRequest, pk: int, key: str) -> HttpResponse:
        step = _EXTRA_STEPS.get(key)
        if step is None:
            raise Http404
        incident = get_object_or_404(selectors.incidents(), pk=pk)
        if not step.shown(request, incident):
            raise PermissionDenied
        return step.view(self, request, incident)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        steps = []
        incident = Incident.objects.filter(pk=object_id).first()
        if incident is not None and services.is_safety_staff(request.user):
            steps = [{"url": reverse("admin:spaces_incident_step", args=[object_id, step]),
                      "label": INCIDENT_STEPS[step][0]} for step in self._steps(incident)]
            steps += [{"url": reverse("admin:spaces_incident_more", args=[object_id, step.key]), "label": step.label}
                      for step in _EXTRA_STEPS.values() if step.shown(request, incident)]
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "decision_steps": steps})

    def step_view(self, request: HttpRequest, pk: int, step: str) -> HttpResponse:
        if step not in INCIDENT_STEPS:
            raise Http404
        if not services.is_safety_staff(request.user):
            raise PermissionDenied
        incident = get_object_or_404(selectors.incidents(), pk=pk)
        label, form_class = INCIDENT_STEPS[step]
        back = reverse("admin:spaces_incident_change", args=[pk])
        posted = "apply" in request.POST

        def apply(data: dict[str, Any]) -> None:
            if step == "triage":
                services.incident_triage(incident=incident, severity=data["severity"], note=data["note"],
                                         actor=request.user)
            elif step == "action":
                services.incident_add_action(incident=incident, text=data["text"], actor=request.user)
            elif step == "authorities":
                services.incident_report_to_authorities(incident=incident, authority=data["authority"],
                                                        reported_at=data["reported_at"], actor=request.user)
            else:
                services.incident_close(incident=incident, outcome=data["outcome"], actor=request.user)
            self.message_user(request, _("%(number)s: done.") % {"number": incident.number}, messages.SUCCESS)

        return action_step(self, request, [incident], form=form_class(request.POST if posted else None),
                           title=str(label), action_name="", apply=apply, single=True, back_url=back,
                           ) or HttpResponseRedirect(back)


@dataclass(frozen=True)
class IncidentStep:
    """A step a higher app adds to an incident's page (registered in its AppConfig.ready()): discipline's
    "open a violation case from this incident". ``view(modeladmin, request, incident)`` answers
    ``…/incident/<pk>/more/<key>/``; ``shown(request, incident)`` says whether the button appears."""

    key: str
    label: Any
    view: Callable[[admin.ModelAdmin, HttpRequest, Incident], HttpResponse]
    shown: Callable[[HttpRequest, Incident], bool]


_EXTRA_STEPS: dict[str, IncidentStep] = {}


def register_incident_step(step: IncidentStep) -> None:
    _EXTRA_STEPS[step.key] = step


class PatrolRoundInline(ReadOnlyInline):
    model = PatrolRound
    fields = ("walked_at", "checkpoints", "observations", "recorded_by")
    readonly_fields = fields


@admin.register(DutyShift)
class DutyShiftAdmin(admin.ModelAdmin):
    """值班巡逻: shifts are planned here; rounds are recorded on a shift's page; a gap longer than the
    rulebook's patrol interval shows in red as a missing round."""

    list_display = ("on_duty", "starts_at", "ends_at", "round_count", "missing")
    list_filter = (("starts_at", admin.DateFieldListFilter),)
    search_fields = ("on_duty__full_name", "on_duty__username")
    fields = ("on_duty", "starts_at", "ends_at", "note")
    autocomplete_fields = ("on_duty",)
    inlines = (PatrolRoundInline,)
    change_form_template = "spaces/desks/admin/request_change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[DutyShift]:
        return selectors.shifts()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        selectors.with_gaps(list(changelist.result_list), now=timezone.now())
        return changelist

    @admin.display(description=gettext_lazy("rounds"))
    def round_count(self, shift: DutyShift) -> int:
        return len(shift.round_list)

    @admin.display(description=gettext_lazy("missing rounds"))
    def missing(self, shift: DutyShift) -> str:
        gaps = getattr(shift, "gaps", None)
        if gaps is None:
            gaps = selectors.shift_gaps(shift, now=timezone.now())
        if not gaps:
            return "—"
        return format_html(_RED, "；".join(f"{format_moment(a)} – {format_moment(b)}" for a, b in gaps))

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [path("<int:pk>/patrol/", view(self.patrol_view), name="spaces_dutyshift_patrol"),
                *super().get_urls()]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        steps = [{"url": reverse("admin:spaces_dutyshift_patrol", args=[object_id]),
                  "label": _("Record a patrol round")}] if services.is_safety_staff(request.user) else []
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "decision_steps": steps})

    def patrol_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not services.is_safety_staff(request.user):
            raise PermissionDenied
        shift = get_object_or_404(DutyShift, pk=pk)
        back = reverse("admin:spaces_dutyshift_change", args=[pk])

        def apply(data: dict[str, Any]) -> None:
            services.patrol_record(shift=shift, actor=request.user, **data)
            self.message_user(request, _("The patrol round is recorded."), messages.SUCCESS)

        return action_step(self, request, [shift], form=PatrolForm(request.POST if "apply" in request.POST else None),
                           title=_("Record a patrol round"), action_name="", apply=apply, single=True,
                           back_url=back) or HttpResponseRedirect(back)
