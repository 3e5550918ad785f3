"""Promotion and event permits in the operations desk (宣传、自组织活动申请, 第四章第三条).

The daily management team reads the application (place, time, description, the material
through a permission-checked link) and approves it — with an optional note — or refuses it
with a reason the resident reads; from the list (the selected permits) or from a permit's
page. Each step calls the service (``spaces.services.permits``), which notifies the resident.
Statuses are never edited by hand and nothing is deleted.
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
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.core.errors import DomainError
from opc_community.core.moments import format_moment
from spaces.forms.permits import DecisionForm
from spaces.models import Permit, RequestStatus
from spaces.selectors import permits as selectors
from spaces.services import permits as services

STEPS = {
    "approve": gettext_lazy("Approve"),
    "refuse": gettext_lazy("Refuse with a reason"),
}


@admin.register(Permit)
class PermitAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "kind", "resident", "place", "starts_at", "ends_at", "requested_at",
                    "decided_by")
    list_filter = ("status", "kind", ("starts_at", admin.DateFieldListFilter))
    search_fields = ("title", "place", "resident__name")
    list_select_related = ("resident", "decided_by")
    ordering = ("-requested_at",)
    actions = ("approve", "refuse")
    change_form_template = "spaces/desks/admin/request_change_form.html"
    fields = ("resident", "kind", "title", "place", "starts_at", "ends_at", "description", "material_link",
              "status", "requested_at", "decided_by", "decided_at", "decision_reason", "room_bookings")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Permit]:
        return selectors.permits()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # residents apply in the portal

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return services.is_permit_decider(request.user)

    @admin.display(description=gettext_lazy("materials"))
    def material_link(self, permit: Permit) -> str:
        if not permit.material:
            return "—"
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a> ({})',
                           reverse("spaces:permit_material", args=[permit.pk]),
                           permit.material_name or _("Open the file"), permit.material_type)

    @admin.display(description=gettext_lazy("rooms reserved"))
    def room_bookings(self, permit: Permit) -> str:
        bookings = permit.bookings.select_related("room").order_by("starts_at")
        if not bookings:
            return "—"
        return format_html_join(
            "", "<div>{} · {} – {} · {}</div>",
            ((b.room.name, format_moment(b.starts_at),
              formats.time_format(timezone.localtime(b.ends_at), "TIME_FORMAT"), b.get_status_display())
             for b in bookings),
        )

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/decide/<str:step>/", view(self.decide_view), name="spaces_permit_decide"),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        steps = []
        if self.has_decide_permission(request) and Permit.objects.filter(
            pk=object_id, status=RequestStatus.REQUESTED
        ).exists():
            steps = [{"url": reverse("admin:spaces_permit_decide", args=[object_id, step]), "label": label}
                     for step, label in STEPS.items()]
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "decision_steps": steps})

    @admin.action(description=gettext_lazy("Approve"), permissions=["decide"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Permit]) -> TemplateResponse | None:
        return self._decide(request, list(queryset), "approve", bulk=True)

    @admin.action(description=gettext_lazy("Refuse with a reason"), permissions=["decide"])
    def refuse(self, request: HttpRequest, queryset: QuerySet[Permit]) -> TemplateResponse | None:
        return self._decide(request, list(queryset), "refuse", bulk=True)

    def decide_view(self, request: HttpRequest, pk: int, step: str) -> HttpResponse:
        if step not in STEPS:
            raise Http404
        if not self.has_decide_permission(request):
            raise PermissionDenied
        permit = get_object_or_404(selectors.permits(), pk=pk)
        response = self._decide(request, [permit], step, bulk=False)
        return response or HttpResponseRedirect(reverse("admin:spaces_permit_change", args=[pk]))

    def _decide(self, request: HttpRequest, permits: list[Permit], step: str, *, bulk: bool) -> TemplateResponse | None:
        submitted = "apply" in request.POST
        form = DecisionForm(request.POST if submitted else None, required=step == "refuse")
        if submitted and form.is_valid():
            failures = sum(not self._apply(request, step, permit, form.cleaned_data["text"]) for permit in permits)
            if not failures or bulk:
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": STEPS[step],
            "opts": self.model._meta,
            "form": form,
            "objects": permits,
            "action_name": step,
            "single": not bulk,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "spaces/permits/admin/decide.html", context)

    def _apply(self, request: HttpRequest, step: str, permit: Permit, text: str) -> bool:
        try:
            if step == "approve":
                services.permit_approve(permit=permit, note=text, actor=request.user)
            else:
                services.permit_refuse(permit=permit, reason=text, actor=request.user)
        except DomainError as error:
            self.message_user(request, f"{permit.title}: {error.message}", messages.ERROR)
            return False
        done = _("%(title)s: approved.") if step == "approve" else _("%(title)s: refused.")
        self.message_user(request, done % {"title": permit.title}, messages.SUCCESS)
        return True
