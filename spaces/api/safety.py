"""REST API of safety (第七章; /api/v1/safety-…).

- ``safety-equipment``: the fire equipment register with ``due_on``, ``overdue`` and ``expiry`` (staff holding
  ``spaces.view_fireequipment``). Filters: ``equipment_type``, ``status``, ``location`` (contains).
- ``safety-work-items``: defects and drill findings to repair (staff holding ``spaces.view_safetyworkitem``).
  Filters: ``status``, ``equipment``, ``opened_after`` / ``opened_before``.
- ``safety-incidents``: staff holding ``spaces.view_incident`` list every incident; anyone else logged in lists
  only their own reports (another person's: 404) and reports one (``POST``, multipart with an optional
  ``photo``) — oversight only reads. Filters: ``status``, ``severity``, ``category``, ``reported_after`` /
  ``reported_before``.
- ``safety-plans``: the emergency plans in force, for everyone logged in; staff add ``?current=false`` for
  every version. Filter: ``kind``.
- ``safety-supplies``: emergency supplies with ``expiry`` (staff holding ``spaces.view_emergencysupply``).
  Filters: ``plan_kind``, ``expires_before``.
"""

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from opc_community import rulebook
from opc_community.accounts.permissions import is_oversight_only
from opc_community.core.filters import IsoDateTimeFilter
from spaces.models import (
    EmergencyPlan,
    EmergencySupply,
    EquipmentStatus,
    EquipmentType,
    FireEquipment,
    Incident,
    IncidentCategory,
    IncidentSeverity,
    IncidentStatus,
    PlanKind,
    SafetyWorkItem,
    WorkItemStatus,
)
from spaces.selectors import emergency as emergency_selectors
from spaces.selectors import safety as selectors
from spaces.services import safety as services


def _staff_with(permission: str) -> type[BasePermission]:
    class StaffWith(BasePermission):
        def has_permission(self, request: Any, view: Any) -> bool:
            return bool(request.user.is_authenticated and request.user.is_staff and request.user.has_perm(permission))

    StaffWith.__name__ = f"StaffWith_{permission.replace('.', '_')}"
    return StaffWith


# --- Register ------------------------------------------------------------------------------------------


class SafetyEquipmentSerializer(serializers.ModelSerializer):
    equipment_type_display = serializers.CharField(source="get_equipment_type_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    due_on = serializers.DateField(read_only=True)
    overdue = serializers.BooleanField(read_only=True)
    expiry = serializers.CharField(read_only=True, allow_null=True, help_text=_("expired, expiring or null"))

    class Meta:
        model = FireEquipment
        fields = ("id", "code", "equipment_type", "equipment_type_display", "location", "installed_on",
                  "expires_on", "last_inspected_on", "status", "status_display", "due_on", "overdue", "expiry")
        read_only_fields = fields


class SafetyEquipmentFilter(filters.FilterSet):
    equipment_type = filters.ChoiceFilter(choices=EquipmentType.choices)
    status = filters.ChoiceFilter(choices=EquipmentStatus.choices)
    location = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = FireEquipment
        fields = ("equipment_type", "status")


class SafetyEquipmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """消防设施台账 (第七章第一条) with the due state of each item."""

    permission_classes = [_staff_with("spaces.view_fireequipment")]
    serializer_class = SafetyEquipmentSerializer
    filterset_class = SafetyEquipmentFilter

    def get_queryset(self) -> QuerySet[FireEquipment]:
        return selectors.equipment()

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        if page is not None:
            selectors.equipment_due_state(page, today=timezone.localdate())
        return page

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        selectors.equipment_due_state([item], today=timezone.localdate())
        return Response(self.get_serializer(item).data)


# --- Work items ----------------------------------------------------------------------------------------


class SafetyWorkItemSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    equipment_code = serializers.CharField(source="equipment.code", read_only=True, allow_null=True, default=None)
    incident_number = serializers.CharField(source="incident.number", read_only=True, allow_null=True, default=None)

    class Meta:
        model = SafetyWorkItem
        fields = ("id", "title", "status", "status_display", "equipment", "equipment_code", "incident",
                  "incident_number", "opened_at", "closed_at", "closing_note")
        read_only_fields = fields


class SafetyWorkItemFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=WorkItemStatus.choices)
    equipment = filters.NumberFilter(field_name="equipment_id")
    opened_after = IsoDateTimeFilter(field_name="opened_at", lookup_expr="gte")
    opened_before = IsoDateTimeFilter(field_name="opened_at", lookup_expr="lt")

    class Meta:
        model = SafetyWorkItem
        fields = ("status",)


class SafetyWorkItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """整改工单: defects found in inspections and drills, closed with evidence in the operations desk."""

    permission_classes = [_staff_with("spaces.view_safetyworkitem")]
    serializer_class = SafetyWorkItemSerializer
    filterset_class = SafetyWorkItemFilter

    def get_queryset(self) -> QuerySet[SafetyWorkItem]:
        return selectors.work_items().order_by("-opened_at", "-pk")


# --- Incidents -----------------------------------------------------------------------------------------


class SafetyIncidentSerializer(serializers.ModelSerializer):
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    severity_display = serializers.CharField(source="get_severity_display", read_only=True)

    class Meta:
        model = Incident
        fields = ("id", "number", "category", "category_display", "place", "occurred_at", "description",
                  "reported_at", "status", "status_display", "severity", "severity_display", "respond_by",
                  "closed_at", "outcome")
        read_only_fields = fields


class SafetyIncidentReportSerializer(serializers.Serializer):
    category = serializers.ChoiceField(label=_("what happened"), choices=IncidentCategory.choices)
    place = serializers.CharField(label=_("place"), max_length=services.PLACE_MAX_LENGTH)
    occurred_at = serializers.DateTimeField(label=_("when"))
    description = serializers.CharField(label=_("description"), max_length=services.TEXT_MAX_LENGTH)
    photo = serializers.FileField(label=_("photo (optional)"), required=False, allow_null=True)


class SafetyIncidentFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=IncidentStatus.choices)
    severity = filters.ChoiceFilter(choices=IncidentSeverity.choices)
    category = filters.ChoiceFilter(choices=IncidentCategory.choices)
    reported_after = IsoDateTimeFilter(field_name="reported_at", lookup_expr="gte")
    reported_before = IsoDateTimeFilter(field_name="reported_at", lookup_expr="lt")

    class Meta:
        model = Incident
        fields = ("status", "severity", "category")


class SafetyIncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                            viewsets.GenericViewSet):
    """安全事件 (第七章第二条至第四条): report one; see your own reports (staff: all)."""

    permission_classes = [IsAuthenticated]
    serializer_class = SafetyIncidentSerializer
    filterset_class = SafetyIncidentFilter

    def _is_staff_reader(self) -> bool:
        user = self.request.user
        return bool(user.is_staff and user.has_perm("spaces.view_incident"))

    def get_queryset(self) -> QuerySet[Incident]:
        if getattr(self, "swagger_fake_view", False):
            return Incident.objects.none()
        if self._is_staff_reader():
            return selectors.incidents()
        return selectors.incidents_reported_by(self.request.user)

    @extend_schema(request=SafetyIncidentReportSerializer, responses={201: SafetyIncidentSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if is_oversight_only(request.user):
            raise PermissionDenied(_("Oversight reads the safety records; it does not report incidents here."))
        data = SafetyIncidentReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = services.incident_report(actor=request.user, **data.validated_data)
        return Response(SafetyIncidentSerializer(incident).data, status=status.HTTP_201_CREATED)


# --- Emergency plans and supplies -----------------------------------------------------------------------


class SafetyPlanSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    roles = serializers.ListField(source="role_lines", child=serializers.CharField(), read_only=True)
    procedures = serializers.ListField(source="procedure_lines", child=serializers.CharField(), read_only=True)

    class Meta:
        model = EmergencyPlan
        fields = ("id", "kind", "kind_display", "version", "title", "roles", "procedures", "published_at",
                  "superseded_at")
        read_only_fields = fields


class SafetyPlanFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=PlanKind.choices)
    current = filters.BooleanFilter(method="filter_current", label=_("only the versions in force (staff)"))

    class Meta:
        model = EmergencyPlan
        fields = ("kind",)

    def filter_current(self, queryset: QuerySet[EmergencyPlan], name: str, value: bool) -> QuerySet[EmergencyPlan]:
        return queryset  # decided by the viewset's queryset (residents always get the versions in force)


class SafetyPlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """应急预案 (第七章第四条): the plans in force, readable by everyone logged in."""

    permission_classes = [IsAuthenticated]
    serializer_class = SafetyPlanSerializer
    filterset_class = SafetyPlanFilter

    def get_queryset(self) -> QuerySet[EmergencyPlan]:
        plans = EmergencyPlan.objects.order_by("kind", "-version")
        user = getattr(self.request, "user", None)
        if user is not None and user.is_staff and self.request.query_params.get("current") == "false":
            return plans
        return plans.filter(superseded_at__isnull=True)


class SafetySupplySerializer(serializers.ModelSerializer):
    plan_kind_display = serializers.CharField(source="get_plan_kind_display", read_only=True)
    expiry = serializers.CharField(read_only=True, allow_null=True, help_text=_("expired, expiring or null"))

    class Meta:
        model = EmergencySupply
        fields = ("id", "name", "plan_kind", "plan_kind_display", "location", "quantity", "unit", "expires_on",
                  "expiry")
        read_only_fields = fields


class SafetySupplyFilter(filters.FilterSet):
    plan_kind = filters.ChoiceFilter(choices=PlanKind.choices)
    expires_before = filters.DateFilter(field_name="expires_on", lookup_expr="lt")

    class Meta:
        model = EmergencySupply
        fields = ("plan_kind",)


class SafetySupplyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """应急物资 (第七章第四条): stock with its expiry state."""

    permission_classes = [_staff_with("spaces.view_emergencysupply")]
    serializer_class = SafetySupplySerializer
    filterset_class = SafetySupplyFilter

    def get_queryset(self) -> QuerySet[EmergencySupply]:
        return EmergencySupply.objects.order_by("plan_kind", "name", "pk")

    def _mark(self, items: list[EmergencySupply]) -> list[EmergencySupply]:
        today = timezone.localdate()
        warning = int(rulebook.in_force(on=today).safety.supply_expiry_warning_days)
        return emergency_selectors.with_expiry(items, today=today, warning_days=warning)

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        return self._mark(page) if page is not None else page

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self.get_serializer(self._mark([self.get_object()])[0]).data)


ROUTES = [
    ("safety-equipment", SafetyEquipmentViewSet, "safety-equipment"),
    ("safety-work-items", SafetyWorkItemViewSet, "safety-work-item"),
    ("safety-incidents", SafetyIncidentViewSet, "safety-incident"),
    ("safety-plans", SafetyPlanViewSet, "safety-plan"),
    ("safety-supplies", SafetySupplyViewSet, "safety-supply"),
]
