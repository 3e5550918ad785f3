"""Equipment and loans in the operations desk (公共资源, 第四章第二条).

The inventory is kept here (asset number, category, condition, value, location; items are retired by
marking them not lendable, never deleted once lent). Loans are never edited by hand: the daily
management team hands out (from the list, the selected reservations) and takes back with a condition
check (a loan's page: condition, damage value, note), each step through ``spaces.services.equipment``.
The loan list filters overdue loans and shows the counts of reserved, out, overdue and damaged loans.
"""

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.core.errors import DomainError
from spaces.extensions import loan_actions
from spaces.forms.equipment import HandOutForm, ReturnForm
from spaces.models import Equipment, EquipmentCondition, EquipmentLoan, LoanStatus
from spaces.selectors import equipment as selectors
from spaces.services import equipment as services


@admin.register(Equipment)
class EquipmentAdmin(admin.ModelAdmin):
    list_display = ("asset_number", "name", "category", "condition", "value", "location", "is_active", "on_loan")
    list_filter = ("category", "condition", "is_active")
    search_fields = ("asset_number", "name", "location")
    ordering = ("category", "asset_number")
    actions = ("mark_repaired",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Equipment]:
        return selectors.inventory()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # retire an item by marking it not lendable; its loans stay in the archive

    @admin.display(description=gettext_lazy("on loan"), boolean=True, ordering="on_loan")
    def on_loan(self, equipment: Equipment) -> bool:
        return bool(getattr(equipment, "on_loan", False))

    def has_handle_permission(self, request: HttpRequest) -> bool:
        return services.is_equipment_handler(request.user)

    @admin.action(description=gettext_lazy("Mark as repaired (condition good)"), permissions=["handle"])
    def mark_repaired(self, request: HttpRequest, queryset: QuerySet[Equipment]) -> None:
        done = 0
        for equipment in queryset.filter(condition=EquipmentCondition.DAMAGED):
            services.equipment_mark_repaired(equipment=equipment, actor=request.user)
            done += 1
        self.message_user(request, _("%(count)s items marked as repaired.") % {"count": done}, messages.SUCCESS)


class OverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("overdue")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", _("still out after the due time")), ("damaged", _("returned damaged"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return selectors.overdue(queryset)
        if self.value() == "damaged":
            return queryset.filter(status=LoanStatus.RETURNED, damage_value__isnull=False)
        return queryset


@admin.register(EquipmentLoan)
class EquipmentLoanAdmin(admin.ModelAdmin):
    list_display = ("equipment", "resident", "status", "due_at", "overdue_flag", "handed_out_at", "returned_at",
                    "condition_in", "damage_value", "case_number")
    list_filter = (OverdueFilter, "status", "equipment__category", ("due_at", admin.DateFieldListFilter))
    search_fields = ("equipment__asset_number", "equipment__name", "resident__name", "case_number")
    list_select_related = ("equipment", "resident")
    ordering = ("-requested_at",)
    actions = ("hand_out", "cancel")
    change_list_template = "spaces/equipment/admin/change_list.html"
    change_form_template = "spaces/desks/admin/request_change_form.html"
    fields = ("equipment", "resident", "status", "purpose", "requested_at", "due_at", "handed_out_at",
              "handed_out_by", "condition_out", "returned_at", "returned_by", "condition_in", "damage_value",
              "overdue_days", "overdue_flagged_at", "return_note", "cancelled_at", "cancel_reason", "case_number")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[EquipmentLoan]:
        return selectors.loans()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # residents reserve in the portal

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_handle_permission(self, request: HttpRequest) -> bool:
        return services.is_equipment_handler(request.user)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        """The list's own actions, and those higher apps registered (``spaces.extensions.loan_actions``)."""
        actions = super().get_actions(request)
        for extra in loan_actions():
            if extra.permitted(request):
                actions[extra.name] = (extra.run, extra.name, extra.description)
        return actions

    @admin.display(description=gettext_lazy("overdue"), boolean=True)
    def overdue_flag(self, loan: EquipmentLoan) -> bool:
        return loan.status == LoanStatus.OUT and loan.due_at < timezone.now()

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        return super().changelist_view(request, {**(extra_context or {}), "loan_counts": selectors.counts()})

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/take-back/", view(self.take_back_view), name="spaces_equipmentloan_take_back"),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        steps = []
        if self.has_handle_permission(request) and EquipmentLoan.objects.filter(
            pk=object_id, status=LoanStatus.OUT
        ).exists():
            steps = [{"url": reverse("admin:spaces_equipmentloan_take_back", args=[object_id]),
                      "label": _("Take back and check")}]
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "decision_steps": steps})

    @admin.action(description=gettext_lazy("Hand out (condition checked)"), permissions=["handle"])
    def hand_out(self, request: HttpRequest, queryset: QuerySet[EquipmentLoan]) -> TemplateResponse | None:
        loans = list(queryset)
        submitted = "apply" in request.POST
        form = HandOutForm(request.POST if submitted else None)
        if submitted and form.is_valid():
            for loan in loans:
                self._run(request, loan, lambda loan=loan: services.loan_hand_out(
                    loan=loan, actor=request.user, condition_out=form.cleaned_data["condition_out"]),
                    _("%(loan)s: handed out."))
            return None
        return self._form_page(request, loans, form, title=_("Hand out"), action_name="hand_out", bulk=True)

    @admin.action(description=gettext_lazy("Cancel the reservation"), permissions=["handle"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[EquipmentLoan]) -> None:
        for loan in queryset:
            self._run(request, loan, lambda loan=loan: services.loan_cancel(
                loan=loan, actor=request.user, reason=_("cancelled by the daily management team")),
                _("%(loan)s: cancelled."))

    def take_back_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_handle_permission(request):
            raise PermissionDenied
        loan = get_object_or_404(selectors.loans(), pk=pk)
        submitted = "apply" in request.POST
        form = ReturnForm(request.POST if submitted else None)
        if submitted and form.is_valid():
            data = form.cleaned_data
            ok = self._run(request, loan, lambda: services.loan_take_back(
                loan=loan, actor=request.user, condition_in=data["condition_in"],
                damage_value=data["damage_value"], note=data["note"]), _("%(loan)s: taken back."), form=form)
            if ok:
                return HttpResponseRedirect(reverse("admin:spaces_equipmentloan_change", args=[pk]))
        return self._form_page(request, [loan], form, title=_("Take back and check"), action_name="take_back",
                               bulk=False)

    def _run(self, request: HttpRequest, loan: EquipmentLoan, call: Any, done: str, form: Any = None) -> bool:
        try:
            call()
        except DomainError as error:
            if form is not None and error.field in getattr(form, "fields", {}):
                form.add_error(error.field, str(error.message))
            else:
                self.message_user(request, f"{loan}: {error.message}", messages.ERROR)
            return False
        self.message_user(request, done % {"loan": loan}, messages.SUCCESS)
        return True

    def _form_page(self, request: HttpRequest, loans: list[EquipmentLoan], form: Any, *, title: str,
                   action_name: str, bulk: bool) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "form": form,
            "objects": loans,
            "action_name": action_name,
            "single": not bulk,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "back_url": reverse("admin:spaces_equipmentloan_change", args=[loans[0].pk]) if not bulk else "",
        }
        return TemplateResponse(request, "spaces/equipment/admin/step.html", context)
