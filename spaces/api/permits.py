"""REST API of promotion and event permits (/api/v1/permits/; 第四章第三条).

- A resident lists its own permits (another resident's: 404), applies (``POST``, multipart with
  an optional ``material`` file checked by content), ``withdraw``s, and for an approved event or
  roadshow ``reserve``s a room within the permit's time (through the booking rules).
- Staff who may read permits list them all; the daily management team and the administrator
  ``approve`` (optional note) or ``refuse`` (reason required). Approving twice → 409.
"""

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from opc_community.core.api import PersonSerializer
from opc_community.core.filters import IsoDateTimeFilter
from residents.access import RESIDENT, STAFF, audience, staff_holding, staff_or_resident
from spaces.models import Booking, Permit, PermitKind, RequestStatus, Room
from spaces.selectors import permits as selectors
from spaces.services import permits as services


class PermitBookingSerializer(serializers.ModelSerializer):
    room = serializers.CharField(source="room.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Booking
        fields = ("id", "room", "starts_at", "ends_at", "attendees", "status", "status_display")
        read_only_fields = fields


class PermitSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    material_url = serializers.SerializerMethodField()

    class Meta:
        model = Permit
        fields = ("id", "kind", "kind_display", "title", "place", "starts_at", "ends_at", "description",
                  "material_url", "material_name", "status", "status_display", "requested_at", "decided_at",
                  "decision_reason")
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_material_url(self, permit: Permit) -> str | None:
        if not permit.material:
            return None
        url = reverse("spaces:permit_material", args=[permit.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class PermitDetailSerializer(PermitSerializer):
    bookings = PermitBookingSerializer(source="room_bookings", many=True, read_only=True)

    class Meta(PermitSerializer.Meta):
        fields = (*PermitSerializer.Meta.fields, "bookings")
        read_only_fields = fields


class StaffPermitSerializer(PermitDetailSerializer):
    resident = PersonSerializer(read_only=True)
    decided_by = serializers.CharField(read_only=True, allow_null=True)

    class Meta(PermitDetailSerializer.Meta):
        fields = (*PermitDetailSerializer.Meta.fields, "resident", "decided_by")
        read_only_fields = fields


class StaffPermitListSerializer(PermitSerializer):
    resident = PersonSerializer(read_only=True)
    decided_by = serializers.CharField(read_only=True, allow_null=True)

    class Meta(PermitSerializer.Meta):
        fields = (*PermitSerializer.Meta.fields, "resident", "decided_by")
        read_only_fields = fields


class PermitApplySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(label=_("what for"), choices=PermitKind.choices)
    title = serializers.CharField(label=_("title"), max_length=services.TITLE_MAX_LENGTH)
    place = serializers.CharField(label=_("place"), max_length=services.PLACE_MAX_LENGTH)
    starts_at = serializers.DateTimeField(label=_("starts at"))
    ends_at = serializers.DateTimeField(label=_("ends at"))
    description = serializers.CharField(label=_("description"), max_length=services.TEXT_MAX_LENGTH)
    material = serializers.FileField(label=_("materials"), required=False)


class PermitTextSerializer(serializers.Serializer):
    text = serializers.CharField(label=_("reason"), max_length=services.TEXT_MAX_LENGTH, required=False,
                                 allow_blank=True)


class ReserveSerializer(serializers.Serializer):
    room = serializers.PrimaryKeyRelatedField(label=_("room"), queryset=Room.objects.filter(is_active=True))
    starts_at = serializers.DateTimeField(label=_("from"))
    ends_at = serializers.DateTimeField(label=_("until"))
    attendees = serializers.IntegerField(label=_("attendees"), min_value=1, max_value=32767)


class PermitFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=RequestStatus.choices)
    kind = filters.ChoiceFilter(choices=PermitKind.choices)
    resident = filters.NumberFilter(field_name="resident_id")
    starts_after = IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = Permit
        fields = ("status", "kind", "resident")


class PermitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """宣传、自组织活动申请 (第四章第三条): apply, decide, reserve a room for an approved event."""

    permission_classes = [staff_or_resident(staff_holding("spaces.view_permit"))]
    filterset_class = PermitFilter

    def get_queryset(self) -> QuerySet[Permit]:
        if getattr(self, "swagger_fake_view", False):
            return Permit.objects.none()
        if audience(self.request) == STAFF:
            queryset = selectors.permits()
        else:
            queryset = selectors.permits_of(self.request.resident)
        return selectors.with_bookings(queryset) if self.action != "list" else queryset

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        staff = audience(self.request) == STAFF
        if staff:
            return StaffPermitSerializer if self.action != "list" else StaffPermitListSerializer
        return PermitSerializer if self.action == "list" else PermitDetailSerializer

    def _answer(self, permit: Permit, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=permit.pk)  # with its bookings (not a list action)
        serializer = StaffPermitSerializer if audience(self.request) == STAFF else PermitDetailSerializer
        return Response(serializer(fresh, context=self.get_serializer_context()).data, status=code)

    def _require(self, *, resident: bool = False, decider: bool = False) -> None:
        if resident and audience(self.request) != RESIDENT:
            raise PermissionDenied(_("Only the resident itself can apply for a permit in the portal."))
        if decider and not services.is_permit_decider(self.request.user):
            raise PermissionDenied(
                _("Only the daily management team or the administrator decides permits (Chapter 4, Article 3).")
            )

    @extend_schema(request={"multipart/form-data": PermitApplySerializer}, responses={201: PermitDetailSerializer})
    def create(self, request: Request) -> Response:
        """Apply (residents): kind, title, place, time, description, material (PDF/JPEG/PNG; required for
        posters and flyers)."""
        self._require(resident=True)
        data = PermitApplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        permit = services.permit_apply(resident=request.resident, actor=request.user, **data.validated_data)
        return self._answer(permit, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=PermitDetailSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        self._require(resident=True)
        return self._answer(services.permit_withdraw(permit=self.get_object(), actor=request.user))

    @extend_schema(request=ReserveSerializer, responses={201: PermitBookingSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def reserve(self, request: Request, pk: str | None = None) -> Response:
        """Reserve a room for an approved event or roadshow, within the permit's time (booking rules apply)."""
        self._require(resident=True)
        data = ReserveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = services.permit_reserve_room(permit=self.get_object(), actor=request.user, **data.validated_data)
        return Response(PermitBookingSerializer(booking).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PermitTextSerializer, responses=StaffPermitSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve (staff), with an optional note ``text`` for the resident."""
        self._require(decider=True)
        data = PermitTextSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.permit_approve(permit=self.get_object(), note=data.validated_data.get("text", ""),
                                                    actor=request.user))

    @extend_schema(request=PermitTextSerializer, responses=StaffPermitSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def refuse(self, request: Request, pk: str | None = None) -> Response:
        """Refuse (staff) with the reason ``text`` the resident reads."""
        self._require(decider=True)
        data = PermitTextSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.permit_refuse(permit=self.get_object(), reason=data.validated_data.get("text", ""),
                                                   actor=request.user))




ROUTES = [("permits", PermitViewSet, "permit")]
