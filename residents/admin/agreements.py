"""The operations desk for agreements, the ledger, check-in and orientation (第三章第二条、第三条).

- 入驻协议: the intake team issues an agreement ("add" is the issuing form, which calls
  ``agreement_issue``); an issued one can be cancelled with a reason; the PDF is served
  through a permission-checked view.
- 账单 / 收款 / 保证金: invoices with their paid amount, open balance and days overdue,
  filters staff use (overdue, kind, resident), a "record a payment" page per invoice,
  Excel export; payments can only be reversed (with a reason), deposit entries only added.
  The payment and deposit pages carry a one-time token (opc_community.core.idempotency): the
  same page sent twice — a double click, a resend — records once and says 已记录 the second time.
- 岗前告知: the acknowledgements, read-only.

Check-in (办理入驻) is an action of the residents list (residents/admin/lifecycle.py) that
calls ``residents.services.agreements.resident_check_in``; its refusal names everything
still missing (``residents.selectors.agreements.check_in_problems``).

Nothing here edits a status or a ledger row by hand, and nothing is deleted (the archive,
第三章第五条). Permissions follow the role matrix (accounts/roles.py).
"""

from datetime import date
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.core.admin_base import ReadOnlyInline, WriteColumnsMixin
from opc_community.core.errors import DomainError
from opc_community.core.excel import Column, Sheet, xlsx_response
from opc_community.core.forms import add_domain_error
from opc_community.core.idempotency import submit_once
from opc_community.core.moments import format_day
from opc_community.core.money import format_yuan
from opc_community.core.uploads import private_file_response
from residents.forms.agreements import (
    AgreementIssueForm,
    DepositEntryForm,
    InvoiceAddForm,
    PaymentForm,
    ReasonForm,
)
from residents.models import (
    Agreement,
    DepositEntry,
    Invoice,
    OrientationAcknowledgement,
    Payment,
)
from residents.selectors import ledger as ledger_selectors
from residents.services import agreements as agreement_services
from residents.services import ledger as ledger_services

FORM_TEMPLATE = "residents/agreements/admin/form_page.html"


def _form_page(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    *,
    title: str,
    form: Any,
    submit_label: str,
    objects: Any = None,
    action_name: str = "",
    intro: str = "",
    problems: list[str] | None = None,
    facts: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> TemplateResponse:
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "submit_label": submit_label,
        "objects": objects,
        "action_name": action_name,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "intro": intro,
        "problems": problems or [],
        "facts": facts or [],
        "opts": modeladmin.model._meta,
        "media": modeladmin.media + form.media,
    }
    return TemplateResponse(request, FORM_TEMPLATE, context, status=status)


class _AppendOnlyAdmin(admin.ModelAdmin):
    """Rows are read-only once written; the change permission is kept for the list's actions only."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [field.name for field in self.model._meta.fields]


# --- Agreements ---------------------------------------------------------------------------------


class InvoiceInline(ReadOnlyInline):
    show_change_link = True
    model = Invoice
    fields = ("number", "description", "amount", "due_on", "settled_on")
    readonly_fields = fields
    ordering = ("due_on",)


@admin.register(Agreement)
class AgreementAdmin(_AppendOnlyAdmin):
    autocomplete_fields = ("resident", "issued_by")
    list_display = (
        "number", "resident", "status", "starts_on", "ends_on", "fee", "deposit", "rulebook_version",
        "issued_by", "accepted_at", "pdf_link",
    )
    list_filter = ("status", "fee_period", ("starts_on", admin.DateFieldListFilter),
                   ("ends_on", admin.DateFieldListFilter))
    search_fields = ("number", "resident__name", "resident__user__phone", "resident__user__username")
    list_select_related = ("resident", "issued_by")
    ordering = ("-issued_at", "-id")
    date_hierarchy = "starts_on"
    actions = ("cancel_agreements", "render_again")
    inlines = (InvoiceInline,)

    def get_urls(self) -> list:
        return [
            path("<int:pk>/pdf/", self.admin_site.admin_view(self.pdf_view), name="residents_agreement_pdf"),
            *super().get_urls(),
        ]

    @admin.display(description=gettext_lazy("fee"), ordering="fee_amount")
    def fee(self, agreement: Agreement) -> str:
        return f"{format_yuan(agreement.fee_amount)} · {agreement.get_fee_period_display()}"

    @admin.display(description=gettext_lazy("deposit"), ordering="deposit_amount")
    def deposit(self, agreement: Agreement) -> str:
        return format_yuan(agreement.deposit_amount)

    @admin.display(description=gettext_lazy("PDF"))
    def pdf_link(self, agreement: Agreement) -> str:
        return format_html('<a href="{}">{}</a>', reverse("admin:residents_agreement_pdf", args=[agreement.pk]),
                           _("PDF"))

    def pdf_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The archived PDF, for staff allowed to view agreements (rendered now if missing)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        agreement = get_object_or_404(Agreement, pk=pk)
        if not agreement.document:
            agreement = agreement_services.agreement_document_store(agreement=agreement)
        return private_file_response(agreement.document, download_name=f"{agreement.number}.pdf",
                                     content_type="application/pdf")

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        """Issue 《OPC社区入驻协议》 (第三章第二条): the service computes the term, number and invoices."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = AgreementIssueForm(request.POST if request.method == "POST" else None,
                                  initial={"resident": request.GET.get("resident")})
        if form.is_bound and form.is_valid():
            try:
                agreement = agreement_services.agreement_issue(actor=request.user, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                self.message_user(request, _("Agreement %(number)s issued to %(resident)s, %(start)s to %(end)s; its invoices were created and the resident was told.") % {
                    "number": agreement.number, "resident": agreement.resident,
                    "start": format_day(agreement.starts_on), "end": format_day(agreement.ends_on)}, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:residents_agreement_change", args=[agreement.pk]))
        return _form_page(self, request, title=_("Issue an agreement"), form=form, submit_label=_("Issue"),
                          intro=_("The term runs from the start date for the months the rulebook sets (第三章第三条); the fee invoices of the term are created with it."),
                          status=400 if form.is_bound else 200)

    @admin.action(description=gettext_lazy("Cancel issued agreements (before acceptance)"), permissions=["change"])
    def cancel_agreements(self, request: HttpRequest, queryset: QuerySet[Agreement]) -> TemplateResponse | None:
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            for agreement in queryset:
                try:
                    agreement_services.agreement_cancel(agreement=agreement, reason=form.cleaned_data["reason"],
                                                        actor=request.user)
                except DomainError as error:
                    self.message_user(request, f"{agreement}: {error.message}", messages.ERROR)
                else:
                    self.message_user(request, _("%(number)s cancelled; its invoices are void.") % {"number": agreement.number},
                                      messages.SUCCESS)
            return None
        return _form_page(self, request, title=_("Cancel issued agreements"), form=form, submit_label=_("Cancel them"),
                          objects=queryset, action_name="cancel_agreements")

    @admin.action(description=gettext_lazy("Render the PDF again"), permissions=["change"])
    def render_again(self, request: HttpRequest, queryset: QuerySet[Agreement]) -> None:
        for agreement in queryset:
            agreement_services.agreement_document_store(agreement=agreement)
        self.message_user(request, _("PDF rendered again."), messages.SUCCESS)


# --- Invoices, payments, deposits --------------------------------------------------------------------


class OverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("payment state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("overdue", _("overdue")), ("open", _("unpaid")), ("settled", _("settled")), ("void", _("void"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> QuerySet[Invoice]:
        today = timezone.localdate()
        value = self.value()
        if value == "overdue":
            return queryset.filter(balance__gt=0, due_on__lt=today, is_void=False)
        if value == "open":
            return queryset.filter(balance__gt=0, is_void=False)
        if value == "settled":
            return queryset.filter(balance__lte=0)
        if value == "void":
            return queryset.filter(is_void=True)
        return queryset


class PaymentInline(ReadOnlyInline):
    show_change_link = True
    model = Payment
    fk_name = "invoice"
    fields = ("paid_on", "amount", "method", "reference", "note", "recorded_by", "reverses")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Payment]:
        return super().get_queryset(request).select_related("recorded_by", "reverses", "invoice")


@admin.register(Invoice)
class InvoiceAdmin(WriteColumnsMixin, _AppendOnlyAdmin):
    autocomplete_fields = ("resident", "created_by")
    list_display = (
        "invoice_col", "resident", "kind", "amount_col", "balance_col", "due_on", "overdue_days", "settled_on",
        "pay_link",
    )
    write_columns = {"pay_link": "residents.add_payment"}
    list_display_links = ("invoice_col",)
    # No resident list in the sidebar (10,000 names): search finds a resident's invoices.
    list_filter = (OverdueFilter, "kind", ("due_on", admin.DateFieldListFilter))
    search_fields = ("number", "description", "resident__name", "agreement__number")
    list_select_related = ("resident", "agreement")
    ordering = ("due_on", "id")
    actions = ("record_payment", "export_excel")
    inlines = (PaymentInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invoice]:
        return ledger_selectors.with_balance(super().get_queryset(request))

    def get_urls(self) -> list:
        return [
            path("<int:pk>/pay/", self.admin_site.admin_view(self.pay_view), name="residents_invoice_pay"),
            *super().get_urls(),
        ]

    @admin.display(description=gettext_lazy("invoice"), ordering="number")
    def invoice_col(self, invoice: Invoice) -> str:
        return format_html('<span style="white-space:nowrap">{}</span><div class="help" style="min-width:14em">{}</div>',
                           invoice.number, invoice.description)

    @admin.display(description=gettext_lazy("amount"), ordering="amount")
    def amount_col(self, invoice: Invoice) -> str:
        return format_yuan(invoice.amount)

    @admin.display(description=gettext_lazy("amount paid"), ordering="paid")
    def paid_col(self, invoice: Invoice) -> str:
        return format_yuan(invoice.paid)

    @admin.display(description=gettext_lazy("open balance"), ordering="balance")
    def balance_col(self, invoice: Invoice) -> str:
        if invoice.is_void:
            return _("void")
        return format_yuan(invoice.balance)

    @admin.display(description=gettext_lazy("days overdue"), ordering="due_on")
    def overdue_days(self, invoice: Invoice) -> str:
        today = timezone.localdate()
        if invoice.is_void or invoice.balance <= 0 or invoice.due_on >= today:
            return ""
        return format_html('<strong style="color:#b42318">{}</strong>', (today - invoice.due_on).days)

    @admin.display(description=gettext_lazy("payment"))
    def pay_link(self, invoice: Invoice) -> str:
        if invoice.is_void or invoice.balance <= 0:
            return ""
        return format_html('<a href="{}">{}</a>', reverse("admin:residents_invoice_pay", args=[invoice.pk]),
                           _("Record a payment"))

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        """An ad-hoc charge (compensation, other): through ``invoice_create``."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = InvoiceAddForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            try:
                invoice = ledger_services.invoice_create(actor=request.user, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                self.message_user(request, _("Invoice %(number)s created.") % {"number": invoice.number}, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:residents_invoice_change", args=[invoice.pk]))
        return _form_page(self, request, title=_("New invoice"), form=form, submit_label=_("Create"),
                          status=400 if form.is_bound else 200)

    def pay_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Record money received against one invoice (partial payments allowed, overpayment refused)."""
        if not request.user.has_perm("residents.add_payment"):
            raise PermissionDenied
        invoice = ledger_selectors.invoice_rows().filter(pk=pk).first()
        if invoice is None:
            raise Http404
        form = PaymentForm(request.POST if request.method == "POST" else None,
                           initial={"amount": invoice.balance if invoice.balance > 0 else None})
        if form.is_bound and form.is_valid():

            def record() -> HttpResponse:
                payment = ledger_services.payment_record(invoice=invoice, actor=request.user, **form.cleaned_data)
                self.message_user(request, _("%(amount)s recorded on invoice %(number)s.") % {
                    "amount": format_yuan(payment.amount), "number": invoice.number}, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:residents_invoice_changelist"))

            try:
                return submit_once(request, form, scope="residents.payment_record", perform=record)
            except DomainError as error:
                add_domain_error(form, error)
        facts = [
            (_("Resident"), str(invoice.resident)),
            (_("Invoice"), f"{invoice.number} · {invoice.description}"),
            (_("Amount"), format_yuan(invoice.amount)),
            (_("Amount paid"), format_yuan(invoice.paid)),
            (_("Open balance"), format_yuan(invoice.balance)),
            (_("Due on"), format_day(invoice.due_on)),
        ]
        return _form_page(self, request, title=_("Record a payment"), form=form, submit_label=_("Record"),
                          facts=facts, status=400 if form.is_bound else 200)

    @admin.action(description=gettext_lazy("Record a payment on the selected invoice"), permissions=["change"])
    def record_payment(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one invoice to record a payment."), messages.WARNING)
            return None
        return HttpResponseRedirect(reverse("admin:residents_invoice_pay", args=[queryset.get().pk]))

    @admin.action(description=gettext_lazy("Export the selected invoices to Excel"), permissions=["view"])
    def export_excel(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> HttpResponse:
        """One query for the rows (balances annotated, resident and agreement joined)."""
        rows = ledger_selectors.invoice_rows(queryset.model.objects.filter(pk__in=queryset.values("pk"))).order_by(
            "due_on", "id")
        today = timezone.localdate()
        return xlsx_response(f"invoices-{today:%Y%m%d}", Sheet(_("Invoices"), invoice_columns(today), rows))


def invoice_columns(today: date) -> list[Column]:
    """The invoice list as staff keep it in a spreadsheet (money as numbers, dates as dates)."""

    def days_overdue(invoice: Invoice) -> int:
        is_open = invoice.balance > 0 and not invoice.is_void
        return (today - invoice.due_on).days if is_open and invoice.due_on < today else 0

    return [
        Column(_("Invoice number"), lambda i: i.number, width=18),
        Column(_("Resident"), lambda i: i.resident.name, width=16),
        Column(_("Agreement"), lambda i: i.agreement.number if i.agreement else "", width=16),
        Column(_("Kind"), lambda i: i.get_kind_display(), width=10),
        Column(_("Description"), lambda i: i.description, width=40),
        Column(_("Amount"), lambda i: i.amount, "money", 12),
        Column(_("Amount paid"), lambda i: i.paid, "money", 12),
        Column(_("Open balance"), lambda i: i.balance, "money", 12),
        Column(_("Issued on"), lambda i: i.issued_on, "date", 12),
        Column(_("Due on"), lambda i: i.due_on, "date", 12),
        Column(_("Days overdue"), days_overdue, "number", 10),
        Column(_("Settled on"), lambda i: i.settled_on, "date", 12),
        Column(_("Void"), lambda i: _("yes") if i.is_void else "", width=6),
    ]


@admin.register(Payment)
class PaymentAdmin(_AppendOnlyAdmin):
    autocomplete_fields = ("resident", "recorded_by")
    list_display = ("paid_on", "invoice", "resident", "amount_col", "method", "reference", "recorded_by",
                    "reversed")
    list_filter = ("method", ("paid_on", admin.DateFieldListFilter))
    search_fields = ("invoice__number", "resident__name", "reference", "note")
    list_select_related = ("invoice", "resident", "recorded_by")
    ordering = ("-paid_on", "-id")
    actions = ("reverse_payments",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Payment]:
        return super().get_queryset(request).annotate(
            is_reversed=Exists(Payment.objects.filter(reverses=OuterRef("pk")))
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # recorded on the invoice ("Record a payment")

    @admin.display(description=gettext_lazy("amount"), ordering="amount")
    def amount_col(self, payment: Payment) -> str:
        return format_yuan(payment.amount)

    @admin.display(description=gettext_lazy("reversed"), boolean=True)
    def reversed(self, payment: Payment) -> bool:
        return payment.is_reversed

    @admin.action(description=gettext_lazy("Reverse payments recorded in error"), permissions=["change"])
    def reverse_payments(self, request: HttpRequest, queryset: QuerySet[Payment]) -> TemplateResponse | None:
        if not request.user.has_perm("residents.add_payment"):
            raise PermissionDenied
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            for payment in queryset:
                try:
                    ledger_services.payment_reverse(payment=payment, reason=form.cleaned_data["reason"],
                                                    actor=request.user)
                except DomainError as error:
                    self.message_user(request, f"{payment}: {error.message}", messages.ERROR)
                else:
                    self.message_user(request, _("%(payment)s reversed.") % {"payment": payment}, messages.SUCCESS)
            return None
        return _form_page(self, request, title=_("Reverse payments"), form=form, submit_label=_("Reverse"),
                          objects=queryset, action_name="reverse_payments",
                          intro=_("A reversal is a new negative payment; the original stays in the ledger."))


@admin.register(DepositEntry)
class DepositEntryAdmin(_AppendOnlyAdmin):
    autocomplete_fields = ("resident", "recorded_by")
    list_display = ("on", "resident", "kind", "amount_col", "agreement", "note", "recorded_by")
    list_filter = ("kind", ("on", admin.DateFieldListFilter))
    search_fields = ("resident__name", "note", "agreement__number")
    list_select_related = ("resident", "agreement", "recorded_by")
    ordering = ("-on", "-id")

    @admin.display(description=gettext_lazy("amount"), ordering="amount")
    def amount_col(self, entry: DepositEntry) -> str:
        return format_yuan(entry.amount)

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        """Record a deposit movement through ``deposit_record`` (never below zero)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = DepositEntryForm(request.POST if request.method == "POST" else None,
                                initial={"resident": request.GET.get("resident")})
        if form.is_bound and form.is_valid():

            def record() -> HttpResponse:
                entry = ledger_services.deposit_record(actor=request.user, **form.cleaned_data)
                self.message_user(request, _("%(entry)s recorded for %(resident)s; deposit held now %(held)s.") % {
                    "entry": entry, "resident": entry.resident,
                    "held": format_yuan(ledger_selectors.deposit_held(entry.resident))}, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:residents_depositentry_changelist"))

            try:
                return submit_once(request, form, scope="residents.deposit_record", perform=record)
            except DomainError as error:
                add_domain_error(form, error)
        return _form_page(self, request, title=_("Record a deposit movement"), form=form, submit_label=_("Record"),
                          status=400 if form.is_bound else 200)


# --- Orientation ------------------------------------------------------------------------------------


@admin.register(OrientationAcknowledgement)
class OrientationAcknowledgementAdmin(_AppendOnlyAdmin):
    autocomplete_fields = ("resident", "acknowledged_by")
    list_display = ("resident", "rulebook_version", "acknowledged_at", "acknowledged_by")
    list_filter = ("rulebook_version",)
    search_fields = ("resident__name",)
    list_select_related = ("resident", "acknowledged_by")
    ordering = ("-acknowledged_at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the resident acknowledges in the portal
