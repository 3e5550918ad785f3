"""API of agreements and the ledger: /api/v1/agreements/, invoices/, payments/, deposits/.

- A resident reads only its own rows (another resident's id: 404), read-only.
- Staff of the operations groups read everything, with filters (resident, status, kind,
  ``overdue``…). Recording a payment (POST payments/), reversing one (POST
  payments/<id>/reverse/) and recording a deposit movement (POST deposits/) need the
  model permission (intake team, operations lead), like the operations desk.

Refusals of the services come back as 400 (409 for a conflict) with the Chinese message
and its ``field``; malformed input as 400 with field errors.

The three POSTs take an optional ``Idempotency-Key`` header (opc_community.core.idempotency):
a retry with the same key and body records nothing twice and gets the first answer again.
"""

from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from opc_community.accounts.permissions import is_staff_member
from opc_community.core.filters import DateFilter
from opc_community.core.idempotency import idempotent
from residents.access import STAFF, audience, staff_or_resident
from residents.models import (
    Agreement,
    AgreementStatus,
    DepositEntry,
    DepositEntryKind,
    FeePeriod,
    Invoice,
    InvoiceKind,
    Payment,
    PaymentMethod,
    Resident,
)
from residents.selectors import agreements as agreement_selectors
from residents.selectors import ledger as ledger_selectors
from residents.services import ledger as ledger_services

StaffOrResident = staff_or_resident(is_staff_member)


def _require_perm(request: Request, perm: str) -> None:
    if audience(request) != STAFF or not request.user.has_perm(perm):
        raise PermissionDenied(_("Only staff responsible for the ledger may do this."))


class _Scoped:
    """Staff see every row; a resident only its own (``resident`` = ``request.resident``)."""

    request: Request

    def scope(self, queryset: QuerySet) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema generator
            return queryset.none()
        if audience(self.request) == STAFF:
            return queryset
        return queryset.filter(resident=self.request.resident)


# --- Agreements ------------------------------------------------------------------------------------


class AgreementSerializer(serializers.ModelSerializer):
    resident_name = serializers.CharField(source="resident.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    pdf_url = serializers.SerializerMethodField(help_text=_("Permission-checked download of the agreement PDF."))

    class Meta:
        model = Agreement
        fields = (
            "id", "number", "resident", "resident_name", "status", "status_display", "starts_on", "ends_on",
            "fee_amount", "fee_period", "deposit_amount", "rulebook_version", "renews", "issued_at",
            "accepted_at", "ended_on", "end_reason", "pdf_url",
        )
        read_only_fields = fields

    def get_pdf_url(self, agreement: Agreement) -> str:
        request = self.context.get("request")
        if audience(request) == STAFF:
            url = reverse("admin:residents_agreement_pdf", args=[agreement.pk])
        else:
            url = reverse("residents:agreement_pdf", args=[agreement.pk])
        return request.build_absolute_uri(url) if request else url


def _id_filter(field: str, label: Any) -> filters.NumberFilter:
    """Filter by id without a choice list: the browsable API must not list other residents' records."""
    return filters.NumberFilter(field_name=field, label=label)


class AgreementFilter(filters.FilterSet):
    resident = _id_filter("resident", _("resident id"))
    status = filters.ChoiceFilter(choices=AgreementStatus.choices)
    fee_period = filters.ChoiceFilter(choices=FeePeriod.choices)
    ends_before = DateFilter(field_name="ends_on", lookup_expr="lte", label=_("ends on or before"))
    ends_after = DateFilter(field_name="ends_on", lookup_expr="gte", label=_("ends on or after"))

    class Meta:
        model = Agreement
        fields = ("resident", "status", "fee_period")


class AgreementViewSet(_Scoped, viewsets.ReadOnlyModelViewSet):
    """《OPC社区入驻协议》: 12 months from the start date (第三章第三条), fees, deposit, rulebook version."""

    permission_classes = [StaffOrResident]
    serializer_class = AgreementSerializer
    filterset_class = AgreementFilter

    def get_queryset(self) -> QuerySet[Agreement]:
        return self.scope(agreement_selectors.agreement_rows().order_by("-starts_on", "-id"))


# --- Invoices --------------------------------------------------------------------------------------


class InvoiceSerializer(serializers.ModelSerializer):
    resident_name = serializers.CharField(source="resident.name", read_only=True)
    agreement_number = serializers.CharField(source="agreement.number", read_only=True, default=None)
    paid = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    balance = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    is_void = serializers.BooleanField(read_only=True, help_text=_("Invoice of an agreement cancelled before acceptance: owed by nobody."))
    days_overdue = serializers.SerializerMethodField(help_text=_("Calendar days past the due date while a balance is open (0 otherwise)."))

    class Meta:
        model = Invoice
        fields = (
            "id", "number", "resident", "resident_name", "agreement", "agreement_number", "kind", "description",
            "amount", "paid", "balance", "issued_on", "due_on", "period_start", "period_end", "settled_on",
            "days_overdue", "is_void", "source_key",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField())
    def get_days_overdue(self, invoice: Invoice) -> int:
        today = self.context.get("today") or timezone.localdate()
        if invoice.is_void or invoice.balance <= 0 or invoice.due_on >= today:
            return 0
        return (today - invoice.due_on).days


class InvoiceFilter(filters.FilterSet):
    resident = _id_filter("resident", _("resident id"))
    agreement = _id_filter("agreement", _("agreement id"))
    kind = filters.ChoiceFilter(choices=InvoiceKind.choices)
    overdue = filters.BooleanFilter(method="filter_overdue", label=_("overdue (open balance past the due date)"))
    open = filters.BooleanFilter(method="filter_open", label=_("open balance"))
    due_before = DateFilter(field_name="due_on", lookup_expr="lte", label=_("due on or before"))
    due_after = DateFilter(field_name="due_on", lookup_expr="gte", label=_("due on or after"))

    class Meta:
        model = Invoice
        fields = ("resident", "agreement", "kind")

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        overdue = Q(balance__gt=0, due_on__lt=timezone.localdate(), is_void=False)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_open(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        is_open = Q(balance__gt=0, is_void=False)
        return queryset.filter(is_open) if value else queryset.exclude(is_open)


class InvoiceViewSet(_Scoped, viewsets.ReadOnlyModelViewSet):
    """Invoices with their paid amount, open balance and days overdue (one query per page)."""

    permission_classes = [StaffOrResident]
    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilter

    def get_queryset(self) -> QuerySet[Invoice]:
        return self.scope(ledger_selectors.invoice_rows().order_by("due_on", "id"))

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": timezone.localdate()}


# --- Payments -------------------------------------------------------------------------------------


class PaymentSerializer(serializers.ModelSerializer):
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)

    class Meta:
        model = Payment
        fields = ("id", "invoice", "invoice_number", "resident", "amount", "paid_on", "method", "reference",
                  "note", "reverses", "recorded_at")
        read_only_fields = fields


class PaymentCreateSerializer(serializers.Serializer):
    invoice = serializers.PrimaryKeyRelatedField(queryset=Invoice.objects.all())
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    paid_on = serializers.DateField()
    method = serializers.ChoiceField(
        choices=[(value, label) for value, label in PaymentMethod.choices if value != PaymentMethod.REVERSAL]
    )
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class PaymentReversalSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class PaymentFilter(filters.FilterSet):
    resident = _id_filter("resident", _("resident id"))
    invoice = _id_filter("invoice", _("invoice id"))
    method = filters.ChoiceFilter(choices=PaymentMethod.choices)
    paid_before = DateFilter(field_name="paid_on", lookup_expr="lte", label=_("paid on or before"))
    paid_after = DateFilter(field_name="paid_on", lookup_expr="gte", label=_("paid on or after"))

    class Meta:
        model = Payment
        fields = ("resident", "invoice", "method")


class PaymentViewSet(_Scoped, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Payments received (partial payments allowed; overpayments refused; a reversal is a new negative row)."""

    permission_classes = [StaffOrResident]
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter

    def get_queryset(self) -> QuerySet[Payment]:
        return self.scope(Payment.objects.select_related("invoice").order_by("-paid_on", "-id"))

    @idempotent("residents.payment_record")
    @extend_schema(request=PaymentCreateSerializer, responses={201: PaymentSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record a payment on an invoice (staff with the permission to add payments)."""
        _require_perm(request, "residents.add_payment")
        data = PaymentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment = ledger_services.payment_record(actor=request.user, **data.validated_data)
        return Response(PaymentSerializer(payment, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @idempotent("residents.payment_reverse")
    @extend_schema(request=PaymentReversalSerializer, responses={201: PaymentSerializer})
    @action(detail=True, methods=["post"], url_path="reverse", filterset_class=None)
    def reverse_payment(self, request: Request, pk: str | None = None) -> Response:
        """Reverse a payment recorded in error (a new negative payment naming it)."""
        _require_perm(request, "residents.add_payment")
        payment = self.get_object()
        data = PaymentReversalSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reversal = ledger_services.payment_reverse(payment=payment, reason=data.validated_data["reason"],
                                                   actor=request.user)
        return Response(PaymentSerializer(reversal, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


# --- Deposits -------------------------------------------------------------------------------------


class DepositEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = DepositEntry
        fields = ("id", "resident", "agreement", "kind", "amount", "on", "note", "recorded_at")
        read_only_fields = fields


class DepositEntryCreateSerializer(serializers.Serializer):
    resident = serializers.PrimaryKeyRelatedField(queryset=Resident.objects.all())
    kind = serializers.ChoiceField(choices=DepositEntryKind.choices)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    on = serializers.DateField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class DepositEntryFilter(filters.FilterSet):
    resident = _id_filter("resident", _("resident id"))
    agreement = _id_filter("agreement", _("agreement id"))
    kind = filters.ChoiceFilter(choices=DepositEntryKind.choices)

    class Meta:
        model = DepositEntry
        fields = ("resident", "agreement", "kind")


class DepositEntryViewSet(_Scoped, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Deposit (保证金) movements; the held amount is paid − refunded − forfeited − applied, never below zero."""

    permission_classes = [StaffOrResident]
    serializer_class = DepositEntrySerializer
    filterset_class = DepositEntryFilter

    def get_queryset(self) -> QuerySet[DepositEntry]:
        return self.scope(DepositEntry.objects.order_by("-on", "-id"))

    @idempotent("residents.deposit_record")
    @extend_schema(request=DepositEntryCreateSerializer, responses={201: DepositEntrySerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record a deposit movement (staff with the permission to add deposit entries)."""
        _require_perm(request, "residents.add_depositentry")
        data = DepositEntryCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = ledger_services.deposit_record(actor=request.user, **data.validated_data)
        return Response(DepositEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


ROUTES = [
    ("agreements", AgreementViewSet, "agreement"),
    ("invoices", InvoiceViewSet, "invoice"),
    ("payments", PaymentViewSet, "payment"),
    ("deposits", DepositEntryViewSet, "deposit"),
]
