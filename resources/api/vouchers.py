"""REST API for compute and model vouchers (算力券、模型券, RULEBOOK §6).

- ``/voucher-programmes/``: residents see the published programmes, staff every one (filters: kind,
  unit, provider, open today);
- ``/voucher-applications/``: a resident lists its own and applies (POST, multipart with ``files``)
  and withdraws; the resources team and the administrator ``approve`` (amount) and ``refuse`` (reason);
  filters: status, programme, overdue;
- ``/voucher-grants/``: a resident's own grants, staff all; ``/voucher-entries/``: the ledger (a resident
  its own entries only); filters: kind, grant, programme, time;
- ``/voucher-usage/``: POST one use — the provider's system (token of its API account, for the grants
  of its own programmes) or staff; send an ``Idempotency-Key`` header, and the statement line's
  ``reference`` (recorded once per grant).

A resident never reads another's: the querysets start from ``request.resident`` (another's → 404).
Refusals: a wrong role → 403; bad input → 400 with the Chinese message per field; an illegal step or a
reference already recorded → 409.
"""

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from opc_community.core.filters import IsoDateTimeFilter
from opc_community.core.idempotency import idempotent
from residents.access import RESIDENT, STAFF, audience, staff_or_resident
from resources.models import (
    ApplicationStatus,
    EntryKind,
    VoucherApplication,
    VoucherEntry,
    VoucherGrant,
    VoucherKind,
    VoucherProgramme,
    VoucherProvider,
    VoucherUnit,
)
from resources.selectors import vouchers as selectors
from resources.services import vouchers as services

# --- Serializers ----------------------------------------------------------------------------------------------


class VoucherProgrammeSerializer(serializers.ModelSerializer):
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    unit_display = serializers.CharField(source="get_unit_display", read_only=True)

    class Meta:
        model = VoucherProgramme
        fields = ("id", "title", "provider", "provider_name", "kind", "kind_display", "unit", "unit_display",
                  "face_value", "per_resident_cap", "validity_days", "required_materials", "description",
                  "opens_on", "closes_on", "budget", "published_at")


class VoucherApplicationSerializer(serializers.ModelSerializer):
    programme_title = serializers.CharField(source="programme.title", read_only=True)
    resident_name = serializers.CharField(source="resident.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    grant_number = serializers.SerializerMethodField()
    sla = serializers.SerializerMethodField()

    class Meta:
        model = VoucherApplication
        fields = ("id", "programme", "programme_title", "resident", "resident_name", "purpose", "amount_requested",
                  "status", "status_display", "submitted_at", "review_due_at", "review_due_provisional", "sla",
                  "decided_at", "amount_approved", "refusal_reason", "grant_number")

    def get_grant_number(self, application: VoucherApplication) -> str | None:
        grant = getattr(application, "grant", None) if application.status == ApplicationStatus.APPROVED else None
        return grant.number if grant is not None else None

    def get_sla(self, application: VoucherApplication) -> str:
        return str(selectors.sla_of(application))


class VoucherApplicationCreateSerializer(serializers.Serializer):
    programme = serializers.PrimaryKeyRelatedField(queryset=VoucherProgramme.objects.filter(published_at__isnull=False))
    purpose = serializers.CharField(max_length=services.TEXT_MAX_LENGTH)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False)
    files = serializers.ListField(child=serializers.FileField(), required=False)


class VoucherApproveSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False,
                                      help_text=_("Empty: the amount requested."))


class VoucherRefuseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=services.NOTE_MAX_LENGTH * 2)


class VoucherGrantSerializer(serializers.ModelSerializer):
    programme_title = serializers.CharField(source="programme.title", read_only=True, default=None)
    state = serializers.SerializerMethodField()
    last_day = serializers.SerializerMethodField()

    class Meta:
        model = VoucherGrant
        fields = ("id", "number", "resident", "programme", "programme_title", "source", "kind", "unit", "amount",
                  "balance", "issued_at", "expires_at", "last_day", "state", "frozen_at", "expired_at", "ended_at")

    def get_state(self, grant: VoucherGrant) -> str:
        return selectors.grant_state(grant, now=timezone.now())

    def get_last_day(self, grant: VoucherGrant) -> Any:
        from resources.rules.vouchers import last_day

        return last_day(grant.expires_at)


class VoucherEntrySerializer(serializers.ModelSerializer):
    grant_number = serializers.CharField(source="grant.number", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = VoucherEntry
        fields = ("id", "grant", "grant_number", "kind", "kind_display", "amount", "balance_after", "at", "used_on",
                  "channel", "reference", "note")


class VoucherUsageSerializer(serializers.Serializer):
    grant = serializers.CharField(max_length=24, help_text=_("The voucher number, e.g. QJ2026-00001."))
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    used_on = serializers.DateField(required=False)
    reference = serializers.CharField(max_length=64, required=False, allow_blank=True)
    note = serializers.CharField(max_length=services.NOTE_MAX_LENGTH, required=False, allow_blank=True)


# --- Filters --------------------------------------------------------------------------------------------------


class VoucherProgrammeFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=VoucherKind.choices)
    unit = filters.ChoiceFilter(choices=VoucherUnit.choices)
    open = filters.BooleanFilter(method="filter_open", label=_("taking applications today"))

    class Meta:
        model = VoucherProgramme
        fields = ("kind", "unit", "provider")

    def filter_open(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        today = timezone.localdate()
        open_ = queryset.filter(published_at__isnull=False, opens_on__lte=today, closes_on__gte=today)
        return open_ if value else queryset.exclude(pk__in=open_.values("pk"))


class VoucherApplicationFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ApplicationStatus.choices)
    overdue = filters.BooleanFilter(method="filter_overdue", label=_("review overdue"))
    submitted_after = IsoDateTimeFilter(field_name="submitted_at", lookup_expr="gte")
    submitted_before = IsoDateTimeFilter(field_name="submitted_at", lookup_expr="lt")

    class Meta:
        model = VoucherApplication
        fields = ("status", "programme")

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        cutoff = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        overdue = queryset.filter(status=ApplicationStatus.SUBMITTED, review_due_at__lt=cutoff)
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))


class VoucherGrantFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=VoucherKind.choices)
    live = filters.BooleanFilter(method="filter_live", label=_("usable (not frozen, expired or ended)"))

    class Meta:
        model = VoucherGrant
        fields = ("kind", "programme", "source")

    def filter_live(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        live = queryset.filter(frozen_at__isnull=True, expired_at__isnull=True, ended_at__isnull=True,
                               expires_at__gt=timezone.now())
        return live if value else queryset.exclude(pk__in=live.values("pk"))


class VoucherEntryFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=EntryKind.choices)
    at_after = IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    at_before = IsoDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = VoucherEntry
        fields = ("kind", "grant", "channel")


# --- Access ---------------------------------------------------------------------------------------------------

VoucherAccess = staff_or_resident(services.is_reader)


def _require_manager(request: Request) -> None:
    if not services.is_manager(request.user):
        raise PermissionDenied(_("Only the resources team or the administrator handles vouchers."))


# --- Views ------------------------------------------------------------------------------------------------------


class ProgrammeViewSet(viewsets.ReadOnlyModelViewSet):
    """Voucher programmes: residents see the published ones, staff all (newest opening first)."""

    permission_classes = [VoucherAccess]
    serializer_class = VoucherProgrammeSerializer
    filterset_class = VoucherProgrammeFilter

    def get_queryset(self) -> QuerySet[VoucherProgramme]:
        if getattr(self, "swagger_fake_view", False):
            return VoucherProgramme.objects.none()
        if audience(self.request) == STAFF:
            return VoucherProgramme.objects.select_related("provider").order_by("-opens_on", "pk")
        return selectors.published_programmes().order_by("-opens_on", "pk")


class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Voucher applications: a resident's own (apply, withdraw); staff review them (approve, refuse)."""

    permission_classes = [VoucherAccess]
    serializer_class = VoucherApplicationSerializer
    filterset_class = VoucherApplicationFilter

    def get_queryset(self) -> QuerySet[VoucherApplication]:
        if getattr(self, "swagger_fake_view", False):
            return VoucherApplication.objects.none()
        base = VoucherApplication.objects.select_related("programme", "resident", "grant")
        if audience(self.request) == STAFF:
            return base.order_by("review_due_at", "pk")
        return base.filter(resident=self.request.resident).order_by("-submitted_at", "-pk")

    def _answer(self, application: VoucherApplication, *, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=application.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @idempotent("resources.voucher_apply")
    @extend_schema(request={"multipart/form-data": VoucherApplicationCreateSerializer},
                   responses={201: VoucherApplicationSerializer})
    def create(self, request: Request) -> Response:
        """Apply (residents): programme, purpose, amount (default: the face value), materials (PDF/JPEG/PNG)."""
        if audience(request) != RESIDENT:
            raise PermissionDenied(_("Only residents apply for vouchers, for themselves."))
        data = VoucherApplicationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        files = request.FILES.getlist("files") if hasattr(request, "FILES") else []
        application = services.application_submit(
            programme=data.validated_data["programme"], resident=request.resident,
            purpose=data.validated_data["purpose"], amount=data.validated_data.get("amount"), files=files,
            actor=request.user,
        )
        return self._answer(application, code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=VoucherApplicationSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        application = self.get_object()
        if application.resident.user_id != request.user.pk:  # staff read every application; only its applicant withdraws
            raise PermissionDenied(_("Only the applicant withdraws an application."))
        return self._answer(services.application_withdraw(application=application, actor=request.user))

    @extend_schema(request=VoucherApproveSerializer, responses=VoucherApplicationSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def approve(self, request: Request, pk: str | None = None) -> Response:
        _require_manager(request)
        data = VoucherApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        application = self.get_object()
        services.application_approve(application=application, amount=data.validated_data.get("amount"),
                                     actor=request.user)
        return self._answer(application)

    @extend_schema(request=VoucherRefuseSerializer, responses=VoucherApplicationSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def refuse(self, request: Request, pk: str | None = None) -> Response:
        _require_manager(request)
        data = VoucherRefuseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.application_refuse(application=self.get_object(),
                                                        reason=data.validated_data["reason"], actor=request.user))


class GrantViewSet(viewsets.ReadOnlyModelViewSet):
    """Voucher grants with their balance: a resident's own, staff all (newest first)."""

    permission_classes = [VoucherAccess]
    serializer_class = VoucherGrantSerializer
    filterset_class = VoucherGrantFilter

    def get_queryset(self) -> QuerySet[VoucherGrant]:
        if getattr(self, "swagger_fake_view", False):
            return VoucherGrant.objects.none()
        base = VoucherGrant.objects.select_related("programme")
        if audience(self.request) == STAFF:
            return base.order_by("-issued_at", "-pk")
        return base.filter(resident=self.request.resident).order_by("-issued_at", "-pk")


class EntryViewSet(viewsets.ReadOnlyModelViewSet):
    """The voucher ledger: every issue, use, expiry, freeze, end and reward grant; a resident its own."""

    permission_classes = [VoucherAccess]
    serializer_class = VoucherEntrySerializer
    filterset_class = VoucherEntryFilter

    def get_queryset(self) -> QuerySet[VoucherEntry]:
        if getattr(self, "swagger_fake_view", False):
            return VoucherEntry.objects.none()
        base = VoucherEntry.objects.select_related("grant").order_by("-at", "-pk")
        if audience(self.request) == STAFF:
            return base
        return base.filter(grant__resident=self.request.resident)


class UsageViewSet(viewsets.GenericViewSet):
    """Record one use of a voucher: the provider's system (its API account's token; the grants of its own
    programmes) or the resources team. Send an ``Idempotency-Key``; the ``reference`` is recorded once per
    grant. The balance never goes below zero: a use above it is refused (400)."""

    permission_classes = [IsAuthenticated]
    serializer_class = VoucherUsageSerializer
    queryset = VoucherEntry.objects.none()

    @idempotent("resources.voucher_use")
    @extend_schema(request=VoucherUsageSerializer, responses={201: VoucherEntrySerializer})
    def create(self, request: Request) -> Response:
        if not (services.is_manager(request.user) or VoucherProvider.objects.filter(api_user=request.user).exists()):
            raise PermissionDenied(_("Only the resources team, the administrator or the voucher's provider "
                                     "records usage."))
        data = VoucherUsageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grant = VoucherGrant.objects.select_related("programme__provider").filter(
            number=data.validated_data["grant"]).first()
        if grant is None or not services.may_record_usage(request.user, grant):
            raise PermissionDenied(_("Only the resources team, the administrator or the voucher's provider "
                                     "records usage."))
        entry = services.usage_record(
            grant=grant, amount=data.validated_data["amount"], used_on=data.validated_data.get("used_on"),
            reference=data.validated_data.get("reference", ""), note=data.validated_data.get("note", ""),
            channel="staff" if services.is_manager(request.user) else "api", actor=request.user,
        )
        return Response(VoucherEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


ROUTES = [
    ("voucher-programmes", ProgrammeViewSet, "voucher-programme"),
    ("voucher-applications", ApplicationViewSet, "voucher-application"),
    ("voucher-grants", GrantViewSet, "voucher-grant"),
    ("voucher-entries", EntryViewSet, "voucher-entry"),
    ("voucher-usage", UsageViewSet, "voucher-usage"),
]
