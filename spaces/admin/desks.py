"""The desk register in the operations desk (第四章第一条): desks by floor and zone, who sits where,
each desk's history, and the residents' desk change requests.

Desks are edited by the daily management team (role matrix: spaces WRITE); assignments
are made by check-in, by an approved change request and released at exit, never edited
by hand here. Change requests are decided only through the named steps (批准 — choosing
the desk —, 拒绝 with a reason), from the list or from a request's page; each calls the
service (``spaces.services.desks``) and says what happened. Nothing is deleted.
"""

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.core.errors import DomainError
from spaces.forms.desks import DeskApproveForm, RefuseForm
from spaces.models import Desk, DeskAssignment, DeskChangeRequest, RequestStatus
from spaces.selectors import desks as selectors
from spaces.selectors.desks import desks_with_occupant
from spaces.services import desks as services
from spaces.services.desks import desk_release


class OccupiedFilter(admin.SimpleListFilter):
    title = gettext_lazy("occupancy")
    parameter_name = "occupied"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("occupied")), ("no", _("free"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Desk]) -> QuerySet[Desk]:
        if self.value() == "yes":
            return queryset.filter(occupant_id__isnull=False)
        if self.value() == "no":
            return queryset.filter(occupant_id__isnull=True)
        return queryset


@admin.register(Desk)
class DeskAdmin(admin.ModelAdmin):
    list_display = ("code", "floor", "zone", "is_active", "occupant", "assigned_at", "history_link")
    list_filter = ("floor", "zone", "is_active", OccupiedFilter)
    search_fields = ("code", "zone", "assignments__resident__name")
    ordering = ("floor", "zone", "code")
    fields = ("code", "floor", "zone", "is_active", "history_link")
    readonly_fields = ("history_link",)

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/occupancy/", view(self.occupancy_view), name="spaces_desk_occupancy"),
            *super().get_urls(),
        ]

    @admin.display(description=gettext_lazy("history"))
    def history_link(self, desk: Desk) -> str:
        if not desk.pk:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:spaces_desk_occupancy", args=[desk.pk]),
                           _("Who sat here"))

    def occupancy_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """One desk's history: every assignment (who, from, until, by whom) and the change requests naming it."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        desk = get_object_or_404(Desk, pk=pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("History of desk %(desk)s") % {"desk": desk.code},
            "opts": self.model._meta,
            "desk": desk,
            **selectors.desk_history(desk),
        }
        return TemplateResponse(request, "spaces/desks/admin/occupancy.html", context)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Desk]:
        return desks_with_occupant()  # the occupant in the same query (one per page)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple:
        queryset, _may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False

    @admin.display(description=gettext_lazy("current occupant"), ordering="occupant_name")
    def occupant(self, desk: Desk) -> str:
        return desk.occupant_name or ""

    @admin.display(description=gettext_lazy("assigned at"), ordering="assigned_at")
    def assigned_at(self, desk: Desk) -> Any:
        return desk.assigned_at

    def has_delete_permission(self, request: HttpRequest, obj: Desk | None = None) -> bool:
        # A desk that was ever assigned is part of residents' archives; take it out of use instead.
        if obj is not None and obj.assignments.exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(DeskAssignment)
class DeskAssignmentAdmin(admin.ModelAdmin):
    autocomplete_fields = ("resident", "assigned_by", "released_by")
    list_display = ("desk", "resident", "starts_at", "ends_at", "assigned_by", "released_by", "note")
    list_filter = (("ends_at", admin.EmptyFieldListFilter), "desk__floor", "desk__zone")
    search_fields = ("desk__code", "resident__name")
    list_select_related = ("desk", "resident", "assigned_by", "released_by")
    ordering = ("-starts_at",)
    actions = ("release",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [field.name for field in DeskAssignment._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # desks are assigned at check-in (入驻主体 → 办理入驻)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=gettext_lazy("Release the selected desks"), permissions=["change"])
    def release(self, request: HttpRequest, queryset: QuerySet[DeskAssignment]) -> None:
        released = 0
        for assignment in queryset.filter(ends_at__isnull=True).select_related("resident"):
            if desk_release(resident=assignment.resident, actor=request.user, note=_("released in the desk register")):
                released += 1
        self.message_user(request, _("Desks released: %(count)s.") % {"count": released}, messages.SUCCESS)


# --- Change requests --------------------------------------------------------------------------------


@admin.register(DeskChangeRequest)
class DeskChangeRequestAdmin(admin.ModelAdmin):
    """调整办公位申请: the team approves (choosing the desk) or refuses with a reason; nothing else changes."""

    list_display = (
        "resident", "status", "current_desk", "preferred_desk", "requested_at", "assigned_desk", "decided_by",
        "decided_at",
    )
    list_filter = ("status", ("requested_at", admin.DateFieldListFilter))
    search_fields = ("resident__name", "current_desk__code", "preferred_desk__code", "assigned_desk__code")
    list_select_related = ("resident", "current_desk", "preferred_desk", "assigned_desk", "decided_by")
    ordering = ("-requested_at",)
    actions = ("approve", "refuse")
    fields = (
        "resident", "status", "current_desk", "preferred_desk", "reason", "requested_at", "decided_by",
        "decided_at", "assigned_desk", "decision_reason",
    )
    readonly_fields = fields
    change_form_template = "spaces/desks/admin/request_change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # residents ask in the portal

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # decided only through the named steps

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return services.is_desk_manager(request.user)

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/decide/<str:step>/", view(self.decide_view), name="spaces_deskchangerequest_decide"),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        steps = []
        if self.has_decide_permission(request) and DeskChangeRequest.objects.filter(
            pk=object_id, status=RequestStatus.REQUESTED
        ).exists():
            steps = [
                {"url": reverse("admin:spaces_deskchangerequest_decide", args=[object_id, step]), "label": label}
                for step, label in (("approve", _("Approve (choose the desk)")), ("refuse", _("Refuse")))
            ]
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "decision_steps": steps})

    # --- The named steps ------------------------------------------------------------------------

    @admin.action(description=gettext_lazy("Approve (choose the desk)"), permissions=["decide"])
    def approve(self, request: HttpRequest, queryset: QuerySet[DeskChangeRequest]) -> TemplateResponse | None:
        return self._decide(request, list(queryset.filter(status=RequestStatus.REQUESTED)), "approve", bulk=True)

    @admin.action(description=gettext_lazy("Refuse with a reason"), permissions=["decide"])
    def refuse(self, request: HttpRequest, queryset: QuerySet[DeskChangeRequest]) -> TemplateResponse | None:
        return self._decide(request, list(queryset.filter(status=RequestStatus.REQUESTED)), "refuse", bulk=True)

    def decide_view(self, request: HttpRequest, pk: int, step: str) -> HttpResponse:
        if step not in ("approve", "refuse"):
            raise Http404
        if not self.has_decide_permission(request):
            raise PermissionDenied
        change = get_object_or_404(selectors.desk_requests(), pk=pk)
        response = self._decide(request, [change], step, bulk=False)
        return response or HttpResponseRedirect(reverse("admin:spaces_deskchangerequest_change", args=[pk]))

    def _decide(
        self, request: HttpRequest, changes: list[DeskChangeRequest], step: str, *, bulk: bool
    ) -> TemplateResponse | None:
        """Ask for the desk of each request (approve) or one reason (refuse), then call the service per request."""
        if not changes:
            self.message_user(request, _("None of the selected requests is open."), messages.WARNING)
            return None
        submitted = "apply" in request.POST
        if step == "approve":
            forms = [
                DeskApproveForm(request.POST if submitted else None, prefix=f"r{change.pk}",
                                initial={"desk": change.preferred_desk_id})
                for change in changes
            ]
        else:
            forms = [RefuseForm(request.POST if submitted else None)]
        if submitted and all(form.is_valid() for form in forms):
            failures = 0
            for index, change in enumerate(changes):
                failures += not self._apply(request, step, change, forms[index if step == "approve" else 0])
            if not failures or bulk:
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Approve desk change requests") if step == "approve" else _("Refuse desk change requests"),
            "opts": self.model._meta,
            "objects": changes,
            "rows": list(zip(changes, forms, strict=False)) if step == "approve" else [(c, None) for c in changes],
            "form": forms[0] if step == "refuse" else None,
            "step": step,
            "action_name": step,
            "single": not bulk,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "spaces/desks/admin/decide.html", context)

    def _apply(self, request: HttpRequest, step: str, change: DeskChangeRequest, form: Any) -> bool:
        try:
            if step == "approve":
                services.desk_request_approve(request=change, desk=form.cleaned_data["desk"],
                                              note=form.cleaned_data["note"], actor=request.user)
            else:
                services.desk_request_refuse(request=change, reason=form.cleaned_data["reason"], actor=request.user)
        except DomainError as error:
            self.message_user(request, f"{change.resident}: {error.message}", messages.ERROR)
            return False
        done = (_("%(resident)s: approved, moved to desk %(desk)s.") if step == "approve"
                else _("%(resident)s: request refused."))
        desk = form.cleaned_data.get("desk") if step == "approve" else None
        self.message_user(request, done % {"resident": change.resident, "desk": getattr(desk, "code", "")},
                          messages.SUCCESS)
        return True
