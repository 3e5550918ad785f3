"""REST API of desks and desk change requests (/api/v1/desks/, /api/v1/desk-requests/; 第四章第一条).

Two audiences on each resource:

- staff who may read the desk register (``spaces.view_desk`` / ``spaces.view_deskchangerequest``:
  the daily management team, the administrator, oversight) see every desk with its occupant and
  every request; the daily management team and the administrator POST ``approve`` (choosing the
  desk) / ``refuse`` (with a reason);
- a resident sees only its own desk and its own requests (another resident's id: 404), asks
  for a change (``POST /desk-requests/``) and withdraws its open request.

Refusals: a wrong role → 403; bad input → 400 with the Chinese message; a desk taken meanwhile
or a second open request → 409 (``opc_community.core.api.exception_handler``).
"""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from opc_community.core.api import PersonSerializer
from residents.access import RESIDENT, STAFF, audience, staff_holding, staff_or_resident
from spaces.models import Desk, DeskChangeRequest, RequestStatus
from spaces.selectors import desks as selectors
from spaces.services import desks as services

# --- Serializers -------------------------------------------------------------------------------------


class _DeskRef(serializers.ModelSerializer):
    class Meta:
        model = Desk
        fields = ("id", "code", "floor", "zone")
        read_only_fields = fields


class DeskSerializer(serializers.ModelSerializer):
    """A desk; ``assigned_at``: since when its current occupant sits there (null when free)."""

    assigned_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Desk
        fields = ("id", "code", "floor", "zone", "is_active", "assigned_at")
        read_only_fields = fields


class StaffDeskSerializer(DeskSerializer):
    occupant = serializers.SerializerMethodField()

    class Meta(DeskSerializer.Meta):
        fields = (*DeskSerializer.Meta.fields, "occupant")
        read_only_fields = fields

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_occupant(self, desk: Desk) -> dict[str, Any] | None:
        if getattr(desk, "occupant_id", None) is None:
            return None
        return {"id": desk.occupant_id, "name": desk.occupant_name}


class DeskRequestSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    current_desk = _DeskRef(read_only=True, allow_null=True)
    preferred_desk = _DeskRef(read_only=True, allow_null=True)
    assigned_desk = _DeskRef(read_only=True, allow_null=True)

    class Meta:
        model = DeskChangeRequest
        fields = ("id", "status", "status_display", "current_desk", "preferred_desk", "reason", "requested_at",
                  "decided_at", "decision_reason", "assigned_desk")
        read_only_fields = fields


class StaffDeskRequestSerializer(DeskRequestSerializer):
    resident = PersonSerializer(read_only=True)
    decided_by = serializers.CharField(read_only=True, allow_null=True)

    class Meta(DeskRequestSerializer.Meta):
        fields = (*DeskRequestSerializer.Meta.fields, "resident", "decided_by")
        read_only_fields = fields


class DeskRequestCreateSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("reason"), max_length=services.REASON_MAX_LENGTH)
    preferred_desk = serializers.PrimaryKeyRelatedField(
        label=_("preferred desk"), queryset=Desk.objects.all(), required=False, allow_null=True
    )


class ApproveSerializer(serializers.Serializer):
    desk = serializers.PrimaryKeyRelatedField(label=_("new desk"), queryset=Desk.objects.all())
    note = serializers.CharField(label=_("note"), max_length=services.REASON_MAX_LENGTH, required=False,
                                 allow_blank=True)


class RefuseSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("reason"), max_length=services.REASON_MAX_LENGTH)


# --- Filters ------------------------------------------------------------------------------------------


class DeskFilter(filters.FilterSet):
    floor = filters.CharFilter()
    zone = filters.CharFilter()
    is_active = filters.BooleanFilter()
    occupied = filters.BooleanFilter(method="filter_occupied", label=_("occupied"))

    class Meta:
        model = Desk
        fields = ("floor", "zone", "is_active")

    def filter_occupied(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        # By the assignments, not the staff queryset's ``occupant_id`` annotation: the resident's has none.
        return selectors.occupied(queryset, occupied=value)


class DeskRequestFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=RequestStatus.choices)
    resident = filters.NumberFilter(field_name="resident_id")

    class Meta:
        model = DeskChangeRequest
        fields = ("status", "resident")


# --- Resources ----------------------------------------------------------------------------------------


class DeskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The desk register (第四章第一条). Staff: every desk with its occupant. A resident: its own desk."""

    permission_classes = [staff_or_resident(staff_holding("spaces.view_desk"))]
    filterset_class = DeskFilter

    def get_queryset(self) -> QuerySet[Desk]:
        if getattr(self, "swagger_fake_view", False):
            return Desk.objects.none()
        if self.action == "free":
            return selectors.free_desks()
        if audience(self.request) == STAFF:
            return selectors.desks_with_occupant().order_by("floor", "zone", "code")
        return selectors.desk_held_by(self.request.resident)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action != "free" and audience(self.request) == STAFF:
            return StaffDeskSerializer
        return DeskSerializer

    @extend_schema(responses=_DeskRef(many=True))
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def free(self, request: Request) -> Response:
        """Free desks in use (for a preferred desk in a change request)."""
        return Response(_DeskRef(self.get_queryset(), many=True).data)


class DeskRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Desk change requests (调整办公位, 第四章第一条): the resident asks, the daily management team decides."""

    permission_classes = [staff_or_resident(staff_holding("spaces.view_deskchangerequest"))]
    filterset_class = DeskRequestFilter

    def get_queryset(self) -> QuerySet[DeskChangeRequest]:
        if getattr(self, "swagger_fake_view", False):
            return DeskChangeRequest.objects.none()
        if audience(self.request) == STAFF:
            return selectors.desk_requests()
        return selectors.desk_requests_of(self.request.resident)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if audience(self.request) == STAFF:
            return StaffDeskRequestSerializer
        return DeskRequestSerializer

    def _answer(self, change: DeskChangeRequest, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=change.pk)).data, status=code)

    @extend_schema(request=DeskRequestCreateSerializer, responses={201: DeskRequestSerializer})
    def create(self, request: Request) -> Response:
        """Ask to move desks (residents): a reason and optionally a free desk; one open request at a time."""
        if audience(request) != RESIDENT:
            raise PermissionDenied(_("Only the resident itself can ask to change its desk."))
        data = DeskRequestCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = services.desk_request_create(
            resident=request.resident, reason=data.validated_data["reason"],
            preferred_desk=data.validated_data.get("preferred_desk"), actor=request.user,
        )
        return self._answer(change, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=DeskRequestSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """The resident withdraws its open request."""
        if audience(request) != RESIDENT:
            raise PermissionDenied(_("Only the resident who asked can withdraw the request."))
        return self._answer(services.desk_request_withdraw(request=self.get_object(), actor=request.user))

    @extend_schema(request=ApproveSerializer, responses=StaffDeskRequestSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve, choosing the desk (staff): the resident's desk is released and the new one assigned at once."""
        self._require_manager(request)
        data = ApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = services.desk_request_approve(
            request=self.get_object(), desk=data.validated_data["desk"], note=data.validated_data.get("note", ""),
            actor=request.user,
        )
        return self._answer(change)

    @extend_schema(request=RefuseSerializer, responses=StaffDeskRequestSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def refuse(self, request: Request, pk: str | None = None) -> Response:
        """Refuse with a reason the resident reads (staff)."""
        self._require_manager(request)
        data = RefuseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = services.desk_request_refuse(
            request=self.get_object(), reason=data.validated_data["reason"], actor=request.user
        )
        return self._answer(change)

    def _require_manager(self, request: Request) -> None:
        if not services.is_desk_manager(request.user):
            raise PermissionDenied(
                _("Only the daily management team or the administrator decides desk changes (Chapter 4, Article 1).")
            )


ROUTES = [
    ("desks", DeskViewSet, "desk"),
    ("desk-requests", DeskRequestViewSet, "desk-request"),
]
