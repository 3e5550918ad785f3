"""REST API of equipment lending (/api/v1/equipment/, /api/v1/equipment-loans/; 第四章第二条).

- ``equipment``: the items in service with ``available`` (free now) and ``on_loan``; residents and staff.
  Filters: ``category``, ``available``.
- ``equipment-loans``: a resident lists its own loans (another resident's: 404), reserves (``POST``:
  equipment, due_at, purpose) and ``cancel``s a reservation; staff who may read loans list them all; the
  daily management team and the administrator ``hand-out`` and ``take-back`` (condition, damage value).
  Filters: ``status``, ``equipment``, ``resident``, ``overdue`` (still out after the due time),
  ``due_before`` / ``due_after``.
"""

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from opc_community.core.api import PersonSerializer
from opc_community.core.filters import IsoDateTimeFilter
from residents.access import RESIDENT, STAFF, audience, staff_holding, staff_or_resident
from spaces.models import (
    Equipment,
    EquipmentCategory,
    EquipmentCondition,
    EquipmentLoan,
    LoanStatus,
)
from spaces.selectors import equipment as selectors
from spaces.services import equipment as services


class EquipmentSerializer(serializers.ModelSerializer):
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    condition_display = serializers.CharField(source="get_condition_display", read_only=True)
    available = serializers.BooleanField(read_only=True)
    on_loan = serializers.BooleanField(read_only=True)

    class Meta:
        model = Equipment
        fields = ("id", "asset_number", "name", "category", "category_display", "condition", "condition_display",
                  "value", "location", "description", "available", "on_loan")
        read_only_fields = fields


class EquipmentFilter(filters.FilterSet):
    category = filters.ChoiceFilter(choices=EquipmentCategory.choices)
    available = filters.BooleanFilter()

    class Meta:
        model = Equipment
        fields = ("category",)


class EquipmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """公共资源 (第四章第二条): the items in service and whether they are free now."""

    permission_classes = [staff_or_resident(staff_holding("spaces.view_equipment"))]
    serializer_class = EquipmentSerializer
    filterset_class = EquipmentFilter

    def get_queryset(self) -> QuerySet[Equipment]:
        if getattr(self, "swagger_fake_view", False):
            return Equipment.objects.none()
        return selectors.inventory() if audience(self.request) == STAFF else selectors.lendable()


class LoanItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = Equipment
        fields = ("id", "asset_number", "name", "category", "location")
        read_only_fields = fields


class LoanSerializer(serializers.ModelSerializer):
    equipment = LoanItemSerializer(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = EquipmentLoan
        fields = ("id", "equipment", "status", "status_display", "purpose", "requested_at", "due_at",
                  "handed_out_at", "condition_out", "returned_at", "condition_in", "damage_value", "overdue_days",
                  "overdue", "cancelled_at", "cancel_reason", "case_number")
        read_only_fields = fields

    def get_overdue(self, loan: EquipmentLoan) -> bool:
        return loan.status == LoanStatus.OUT and loan.due_at < timezone.now()


class StaffLoanSerializer(LoanSerializer):
    resident = PersonSerializer(read_only=True)
    handed_out_by = serializers.CharField(read_only=True, allow_null=True)
    returned_by = serializers.CharField(read_only=True, allow_null=True)

    class Meta(LoanSerializer.Meta):
        fields = (*LoanSerializer.Meta.fields, "resident", "handed_out_by", "returned_by", "return_note",
                  "overdue_flagged_at")
        read_only_fields = fields


class LoanReserveSerializer(serializers.Serializer):
    equipment = serializers.PrimaryKeyRelatedField(label=_("equipment"), queryset=Equipment.objects.all())
    due_at = serializers.DateTimeField(label=_("due back at"))
    purpose = serializers.CharField(label=_("purpose"), max_length=services.PURPOSE_MAX_LENGTH)


class HandOutSerializer(serializers.Serializer):
    condition_out = serializers.ChoiceField(label=_("condition when handed out"),
                                            choices=EquipmentCondition.choices, default=EquipmentCondition.GOOD)


class TakeBackSerializer(serializers.Serializer):
    condition_in = serializers.ChoiceField(label=_("condition when returned"), choices=EquipmentCondition.choices)
    damage_value = serializers.DecimalField(label=_("value of the damage (yuan)"), max_digits=12, decimal_places=2,
                                            required=False, allow_null=True)
    note = serializers.CharField(label=_("note on the return"), max_length=services.NOTE_MAX_LENGTH,
                                 required=False, allow_blank=True)


class LoanFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=LoanStatus.choices)
    equipment = filters.NumberFilter(field_name="equipment_id")
    resident = filters.NumberFilter(field_name="resident_id")
    overdue = filters.BooleanFilter(method="filter_overdue", label=_("still out after the due time"))
    due_after = IsoDateTimeFilter(field_name="due_at", lookup_expr="gte")
    due_before = IsoDateTimeFilter(field_name="due_at", lookup_expr="lt")

    class Meta:
        model = EquipmentLoan
        fields = ("status", "equipment", "resident")

    def filter_overdue(self, queryset: QuerySet[EquipmentLoan], name: str, value: bool) -> QuerySet[EquipmentLoan]:
        if value is None:
            return queryset
        late = selectors.overdue(queryset)
        return late if value else queryset.exclude(pk__in=late.values("pk"))


class LoanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """公共资源借用 (第四章第二条): reserve, hand out, take back with a condition check."""

    permission_classes = [staff_or_resident(staff_holding("spaces.view_equipmentloan"))]
    filterset_class = LoanFilter

    def get_queryset(self) -> QuerySet[EquipmentLoan]:
        if getattr(self, "swagger_fake_view", False):
            return EquipmentLoan.objects.none()
        if audience(self.request) == STAFF:
            return selectors.loans()
        return selectors.loans_of(self.request.resident)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return StaffLoanSerializer if audience(self.request) == STAFF else LoanSerializer

    def _answer(self, loan: EquipmentLoan, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=loan.pk)
        return Response(self.get_serializer_class()(fresh, context=self.get_serializer_context()).data, status=code)

    def _require(self, *, resident: bool = False, handler: bool = False) -> None:
        if resident and audience(self.request) != RESIDENT:
            raise PermissionDenied(_("Only the resident itself can borrow equipment in the portal."))
        if handler and not services.is_equipment_handler(self.request.user):
            raise PermissionDenied(
                _("Only the daily management team or the administrator hands out and takes back equipment.")
            )

    @extend_schema(request=LoanReserveSerializer, responses={201: LoanSerializer})
    def create(self, request: Request) -> Response:
        """Reserve an item (residents) until ``due_at``, within the category's loan limit."""
        self._require(resident=True)
        data = LoanReserveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        loan = services.loan_reserve(resident=request.resident, actor=request.user, **data.validated_data)
        return self._answer(loan, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=LoanSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel a reservation not yet handed out (the resident, or the team)."""
        if audience(request) == STAFF:
            self._require(handler=True)
        return self._answer(services.loan_cancel(loan=self.get_object(), actor=request.user))

    @extend_schema(request=HandOutSerializer, responses=StaffLoanSerializer)
    @action(detail=True, methods=["post"], url_path="hand-out", filterset_class=None)
    def hand_out(self, request: Request, pk: str | None = None) -> Response:
        self._require(handler=True)
        data = HandOutSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.loan_hand_out(loan=self.get_object(), actor=request.user, **data.validated_data))

    @extend_schema(request=TakeBackSerializer, responses=StaffLoanSerializer)
    @action(detail=True, methods=["post"], url_path="take-back", filterset_class=None)
    def take_back(self, request: Request, pk: str | None = None) -> Response:
        """Take the item back and check it; a damaged item needs ``damage_value``."""
        self._require(handler=True)
        data = TakeBackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.loan_take_back(loan=self.get_object(), actor=request.user,
                                                    **data.validated_data))


ROUTES = [("equipment", EquipmentViewSet, "equipment"), ("equipment-loans", LoanViewSet, "equipment-loan")]
