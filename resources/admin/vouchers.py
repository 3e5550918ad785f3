"""The operations desk for compute and model vouchers (算力券、模型券, RULEBOOK §6).

- **Providers** and **programmes**: the resources team adds and changes them; a programme is opened
  through the action 「发布项目」 (``programme_open``: the resource notice goes on the board). The
  programme list links to the **uptake report** (per programme: applications, granted, used,
  expired, budget left; a chart and an Excel export).
- **Applications**: the queue, the soonest review deadline first, with the SLA state (pending,
  overdue, met, late); actions approve (amount), refuse (reason) and 「违规套取」 (fraud finding:
  the resident's vouchers are frozen and a 3b case is opened with the evidence).
- **Grants**: each with its balance and ledger; usage is recorded per grant (「登记用量」) or by
  importing the provider's statement (Excel, all or nothing, per-row errors).
- **Ledger**: every entry, read-only, exportable.

Who: the resources team writes (role matrix: ``resources`` WRITE), the administrator too; oversight reads.
Nothing is deleted; the ledger is written by the services only.
"""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from opc_community.core import charts
from opc_community.core.admin_base import ReadOnlyAdmin, ReadOnlyInline, action_step
from opc_community.core.errors import DomainError
from opc_community.core.excel import Column, Sheet, xlsx_response
from resources.forms.vouchers import ApproveForm, FraudForm, ImportForm, RefuseForm, UsageForm
from resources.models import (
    ApplicationFile,
    ApplicationStatus,
    FraudFinding,
    VoucherApplication,
    VoucherEntry,
    VoucherGrant,
    VoucherProgramme,
    VoucherProvider,
)
from resources.rules import vouchers as rules
from resources.selectors import vouchers as selectors
from resources.services import voucher_fraud, voucher_imports
from resources.services import vouchers as services

SLA_LABELS = {
    rules.Sla.PENDING: gettext_lazy("within the deadline"),
    rules.Sla.OVERDUE: gettext_lazy("overdue"),
    rules.Sla.MET: gettext_lazy("decided on time"),
    rules.Sla.LATE: gettext_lazy("decided late"),
}


class NoDeleteMixin:
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)  # type: ignore[misc]
        actions.pop("delete_selected", None)
        return actions


@admin.register(VoucherProvider)
class VoucherProviderAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "contact", "api_user")
    list_filter = ("kind",)
    search_fields = ("name",)
    raw_id_fields = ("api_user",)


# --- Programmes and the uptake report --------------------------------------------------------------------

UPTAKE_COLUMNS = (
    Column(gettext_lazy("programme"), lambda u: u.programme.title, width=30),
    Column(gettext_lazy("provider"), lambda u: u.programme.provider.name, width=24),
    Column(gettext_lazy("unit"), lambda u: u.programme.get_unit_display()),
    Column(pgettext_lazy("voucher uptake", "applications"), lambda u: u.applications, "number"),
    Column(gettext_lazy("approved"), lambda u: u.approved, "number"),
    Column(gettext_lazy("refused"), lambda u: u.refused, "number"),
    Column(gettext_lazy("waiting"), lambda u: u.pending, "number"),
    Column(gettext_lazy("budget"), lambda u: u.programme.budget, "number"),
    Column(gettext_lazy("granted"), lambda u: u.granted, "number"),
    Column(gettext_lazy("used"), lambda u: u.used, "number"),
    Column(gettext_lazy("expired or ended"), lambda u: u.expired, "number"),
    Column(gettext_lazy("balance"), lambda u: u.balance, "number"),
    Column(gettext_lazy("budget left"), lambda u: u.budget_left, "number"),
    Column(gettext_lazy("uptake (%)"), lambda u: u.percent, "number"),
)


def uptake_chart(rows: list[selectors.Uptake]) -> charts.Chart:
    """Per programme, the share of what was granted that was used (blue) and that expired (amber)."""
    lines = []
    for row in rows:
        used = rules.uptake_percent(granted=row.granted, used=row.used)
        expired = rules.uptake_percent(granted=row.granted, used=row.expired)
        lines.append(charts.Row(row.programme.title[:14], [
            charts.Mark(used, f"{row.programme.title}: {used if used is not None else '—'}%",
                        "—" if used is None else f"{used}%"),
            charts.Mark(expired, f"{row.programme.title}: {expired if expired is not None else '—'}%",
                        "—" if expired is None else f"{expired}%", charts.ACCENT),
        ]))
    return charts.bar_chart(
        lines, chart_id="uptake-chart", css_class="report-chart", title=_("Voucher uptake by programme"),
        desc=_("For each programme, the share of the amount granted that was used (blue) and that expired or "
               "ended (amber); the table gives the same numbers."),
        axis=charts.Axis(100, (0, 50, 100), "{}%"), legend=[(_("used"), charts.BRAND), (_("expired or ended"), charts.ACCENT)],
    )


@admin.register(VoucherProgramme)
class VoucherProgrammeAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("title", "provider", "kind", "unit", "face_value", "per_resident_cap", "opens_on", "closes_on",
                    "budget", "published_at")
    list_filter = ("kind", "unit", "provider")
    search_fields = ("title", "provider__name")
    list_select_related = ("provider",)
    readonly_fields = ("published_at", "created_by", "created_at")
    actions = ("open_programmes",)
    change_list_template = "resources/vouchers/admin/programme_list.html"

    def save_model(self, request: HttpRequest, obj: VoucherProgramme, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=gettext_lazy("Publish the selected programmes on the notice board"),
                  permissions=["change"])
    def open_programmes(self, request: HttpRequest, queryset: QuerySet[VoucherProgramme]) -> None:
        for programme in queryset:
            try:
                services.programme_open(programme=programme, actor=request.user)
            except DomainError as error:
                self.message_user(request, f"{programme.title}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, _("%(title)s: published; the resource notice is on the board.")
                                  % {"title": programme.title}, messages.SUCCESS)

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("uptake/", view(self.uptake_view), name="resources_voucherprogramme_uptake"),
            path("uptake/export/", view(self.uptake_export), name="resources_voucherprogramme_uptake_export"),
            *super().get_urls(),
        ]

    def uptake_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        rows = selectors.uptake()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Voucher uptake by programme"),
            "opts": self.model._meta,
            "rows": rows,
            "chart": uptake_chart(rows),
            "export_url": reverse("admin:resources_voucherprogramme_uptake_export"),
        }
        return TemplateResponse(request, "resources/vouchers/admin/uptake.html", context)

    def uptake_export(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return xlsx_response(f"voucher-uptake-{timezone.localdate():%Y%m%d}",
                             Sheet(_("Voucher uptake"), UPTAKE_COLUMNS, selectors.uptake()))


# --- Applications: the queue ------------------------------------------------------------------------------------


class SlaFilter(admin.SimpleListFilter):
    title = gettext_lazy("review deadline")
    parameter_name = "sla"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("overdue", _("overdue")), ("pending", _("within the deadline"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        cutoff = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        waiting = queryset.filter(status=ApplicationStatus.SUBMITTED)
        if self.value() == "overdue":
            return waiting.filter(review_due_at__lt=cutoff)
        if self.value() == "pending":
            return waiting.filter(review_due_at__gte=cutoff)
        return queryset


class ApplicationFileInline(ReadOnlyInline):
    model = ApplicationFile
    fields = ("original_name", "content_type", "uploaded_at")
    readonly_fields = fields


@admin.register(VoucherApplication)
class VoucherApplicationAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("resident", "programme", "amount_requested", "status", "submitted_at", "review_due_at", "sla",
                    "amount_approved")
    list_filter = ("status", SlaFilter, "programme")
    search_fields = ("resident__name", "programme__title", "purpose")
    list_select_related = ("resident", "programme", "decided_by")
    readonly_fields = ("programme", "resident", "purpose", "amount_requested", "status", "submitted_at",
                       "review_due_at", "review_due_provisional", "decided_at", "decided_by", "amount_approved",
                       "refusal_reason")
    inlines = (ApplicationFileInline,)
    actions = ("approve", "refuse", "record_fraud")
    ordering = ("review_due_at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=gettext_lazy("review deadline"))
    def sla(self, application: VoucherApplication) -> str:
        state = selectors.sla_of(application)
        label = SLA_LABELS[state]
        if state in (rules.Sla.OVERDUE, rules.Sla.LATE):
            return format_html('<strong style="color:#b42318">{}</strong>', label)
        return str(label)

    @admin.action(description=gettext_lazy("Approve the selected applications"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[VoucherApplication]) -> TemplateResponse | None:
        def apply(data: dict[str, Any]) -> None:
            for application in queryset:
                try:
                    grant = services.application_approve(application=application, amount=data.get("amount"),
                                                         actor=request.user)
                except DomainError as error:
                    self.message_user(request, f"{application}: {error.message}", messages.ERROR)
                else:
                    self.message_user(request, _("%(application)s: voucher %(number)s issued.")
                                      % {"application": application, "number": grant.number}, messages.SUCCESS)

        return action_step(self, request, queryset, form=ApproveForm(request.POST if "apply" in request.POST else None),
                           title=_("Approve the selected applications"), action_name="approve", apply=apply)

    @admin.action(description=gettext_lazy("Refuse the selected applications"), permissions=["change"])
    def refuse(self, request: HttpRequest, queryset: QuerySet[VoucherApplication]) -> TemplateResponse | None:
        def apply(data: dict[str, Any]) -> None:
            for application in queryset:
                try:
                    services.application_refuse(application=application, reason=data["reason"], actor=request.user)
                except DomainError as error:
                    self.message_user(request, f"{application}: {error.message}", messages.ERROR)
                else:
                    self.message_user(request, _("%(application)s: refused; the resident was told.")
                                      % {"application": application}, messages.SUCCESS)

        return action_step(self, request, queryset, form=RefuseForm(request.POST if "apply" in request.POST else None),
                           title=_("Refuse the selected applications"), action_name="refuse", apply=apply)

    @admin.action(description=gettext_lazy("违规套取: record fraud, freeze the vouchers, open a 3b case"),
                  permissions=["change"])
    def record_fraud(self, request: HttpRequest, queryset: QuerySet[VoucherApplication]) -> TemplateResponse | None:
        def apply(data: dict[str, Any]) -> None:
            for application in queryset:
                finding = voucher_fraud.fraud_record(
                    resident=application.resident, application=application, facts=data["facts"],
                    occurred_on=data["occurred_on"], evidence=data.get("evidence"), actor=request.user)
                self.message_user(request, _("%(resident)s: vouchers frozen; case %(case)s opened.")
                                  % {"resident": application.resident, "case": finding.case_reference or "—"},
                                  messages.WARNING)

        bound = "apply" in request.POST
        return action_step(self, request, queryset,
                           form=FraudForm(request.POST if bound else None, request.FILES if bound else None),
                           title=_("违规套取: record fraud, freeze the vouchers, open a 3b case"),
                           action_name="record_fraud", apply=apply)


# --- Grants and the ledger -------------------------------------------------------------------------------------


class EntryInline(ReadOnlyInline):
    model = VoucherEntry
    fields = ("at", "kind", "amount", "balance_after", "used_on", "channel", "reference", "note", "recorded_by")
    readonly_fields = fields


@admin.register(VoucherGrant)
class VoucherGrantAdmin(ReadOnlyAdmin):
    list_display = ("number", "resident", "programme", "kind", "amount", "balance", "unit", "expires_at", "state")
    list_filter = ("kind", "source", "programme")
    search_fields = ("number", "resident__name")
    list_select_related = ("resident", "programme")
    inlines = (EntryInline,)
    change_list_template = "resources/vouchers/admin/grant_list.html"
    change_form_template = "resources/vouchers/admin/grant_form.html"

    @admin.display(description=gettext_lazy("state"))
    def state(self, grant: VoucherGrant) -> str:
        return str(selectors.STATE_LABELS[selectors.grant_state(grant, now=timezone.now())])

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/use/", view(self.use_view), name="resources_vouchergrant_use"),
            path("import/", view(self.import_view), name="resources_vouchergrant_import"),
            *super().get_urls(),
        ]

    def _ensure_manager(self, request: HttpRequest) -> None:
        if not services.is_manager(request.user):
            raise PermissionDenied

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # Importing a statement writes: offered to the resources team and the administrator only.
        extra = {**(extra_context or {}), "may_import": services.is_manager(request.user)}
        return super().changelist_view(request, extra_context=extra)

    def use_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """登记用量: one use of this grant (the service judges it against the locked balance)."""
        self._ensure_manager(request)
        grant = get_object_or_404(VoucherGrant, pk=pk)
        back = reverse("admin:resources_vouchergrant_change", args=[grant.pk])

        def apply(data: dict[str, Any]) -> None:
            services.usage_record(grant=grant, amount=data["amount"], used_on=data.get("used_on"),
                                  reference=data.get("reference", ""), note=data.get("note", ""), actor=request.user)
            self.message_user(request, _("Usage recorded on voucher %(number)s.") % {"number": grant.number},
                              messages.SUCCESS)

        page = action_step(self, request, [grant], form=UsageForm(request.POST if request.method == "POST" else None),
                           title=_("Record usage"), action_name="", apply=apply, single=True, back_url=back)
        return page or HttpResponseRedirect(back)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Import the provider's statement: all rows or none, each refused row named."""
        self._ensure_manager(request)
        back = reverse("admin:resources_vouchergrant_changelist")

        def apply(data: dict[str, Any]) -> None:
            result = voucher_imports.usage_import(upload=data["statement"], actor=request.user)
            self.message_user(request, _("%(count)s uses imported, %(total)s in all.")
                              % {"count": result.entries, "total": result.total}, messages.SUCCESS)

        posted = request.method == "POST"
        page = action_step(self, request, [],
                           form=ImportForm(request.POST if posted else None, request.FILES if posted else None),
                           title=_("Import the provider's statement"), action_name="", apply=apply, single=True,
                           back_url=back)
        return page or HttpResponseRedirect(back)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict | None = None) -> HttpResponse:
        extra = {**(extra_context or {})}
        if services.is_manager(request.user):
            extra["use_url"] = reverse("admin:resources_vouchergrant_use", args=[object_id])
        return super().change_view(request, object_id, form_url, extra)


@admin.register(VoucherEntry)
class VoucherEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "grant", "resident", "kind", "amount", "balance_after", "channel", "reference",
                    "recorded_by")
    list_filter = ("kind", "channel", ("at", admin.DateFieldListFilter))
    search_fields = ("grant__number", "grant__resident__name", "reference")
    list_select_related = ("grant__resident", "recorded_by")
    date_hierarchy = "at"
    actions = ("export",)

    @admin.display(description=gettext_lazy("resident"))
    def resident(self, entry: VoucherEntry) -> str:
        return str(entry.grant.resident)

    @admin.action(description=gettext_lazy("Export the selected entries to Excel"), permissions=["view"])
    def export(self, request: HttpRequest, queryset: QuerySet[VoucherEntry]) -> HttpResponse:
        columns = (
            Column(gettext_lazy("time"), lambda e: e.at, "datetime", width=18),
            Column(gettext_lazy("voucher number"), lambda e: e.grant.number, width=16),
            Column(gettext_lazy("resident"), lambda e: e.grant.resident.name, width=20),
            Column(gettext_lazy("kind"), lambda e: e.get_kind_display()),
            Column(gettext_lazy("amount"), lambda e: e.amount, "number"),
            Column(gettext_lazy("balance after"), lambda e: e.balance_after, "number"),
            Column(gettext_lazy("provider's reference"), lambda e: e.reference or "", width=16),
            Column(gettext_lazy("note"), lambda e: e.note, width=30),
        )
        return xlsx_response(f"voucher-ledger-{timezone.localdate():%Y%m%d}",
                             Sheet(_("Voucher ledger"), columns, queryset.select_related("grant__resident")))


@admin.register(FraudFinding)
class FraudFindingAdmin(ReadOnlyAdmin):
    list_display = ("resident", "occurred_on", "found_by", "found_at", "case_reference")
    search_fields = ("resident__name", "facts")
    list_select_related = ("resident", "found_by")
