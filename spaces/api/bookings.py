"""REST API of rooms and bookings (/api/v1/rooms/, /api/v1/bookings/; 第四章第一条).

- ``GET /rooms/`` the rooms open for booking; ``GET /rooms/<id>/availability/?date=&days=`` the
  day's slots, each ``free``, ``busy``, ``mine`` (the caller's own booking) or ``unavailable``
  (past, too short notice, beyond the horizon): who booked a busy slot is never said.
- ``/bookings/``: a resident lists, creates (``POST``), changes (``PATCH``), cancels
  (``POST …/cancel/``) and checks in to (``POST …/check-in/``) its own bookings only — another
  resident's id is 404. Staff who may read bookings list all of them with filters; those who may
  change bookings (the daily management team, the administrator) change, cancel and check in.

Refusals: a slot already taken → 409 with ``conflict: {starts_at, ends_at}`` of the taken slot;
a rule broken → 400 with the Chinese message, the ``field`` and ``errors`` by field; wrong role
→ 403 (``opc_community.core.api.exception_handler``).
"""

from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
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
from opc_community.core.filters import DateFilter, IsoDateTimeFilter, validate_supported_date
from residents.access import RESIDENT, STAFF, audience, staff_or_resident
from spaces.models import Booking, BookingStatus, Room, RoomType
from spaces.selectors import bookings as selectors
from spaces.services import booking_messages
from spaces.services import bookings as services

MAX_AVAILABILITY_DAYS = 7


BookingAccess = staff_or_resident(lambda user: is_staff_member(user) and user.has_perm("spaces.view_booking"))


def _staff_may_change(request: Request) -> bool:
    return audience(request) == STAFF and request.user.has_perm("spaces.change_booking")


# --- Rooms ----------------------------------------------------------------------------------------------


class RoomSerializer(serializers.ModelSerializer):
    room_type_display = serializers.CharField(source="get_room_type_display", read_only=True)

    class Meta:
        model = Room
        fields = ("id", "code", "name", "room_type", "room_type_display", "floor", "capacity", "equipment")
        read_only_fields = fields


class SlotSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    state = serializers.ChoiceField(
        choices=[selectors.FREE, selectors.BUSY, selectors.MINE, selectors.UNAVAILABLE],
        help_text="free: bookable now; busy: booked by someone (never who); mine: the caller's own booking; "
        "unavailable: past, too short notice, beyond the booking horizon, or the room is closed.",
    )


class DaySerializer(serializers.Serializer):
    date = serializers.DateField(source="day")
    opens = serializers.TimeField(format="%H:%M")
    closes = serializers.TimeField(format="%H:%M")
    slot_minutes = serializers.IntegerField()
    slots = SlotSerializer(many=True)


class AvailabilitySerializer(serializers.Serializer):
    room = serializers.IntegerField()
    days = DaySerializer(many=True)


class AvailabilityQuerySerializer(serializers.Serializer):
    date = serializers.DateField(
        label=_("date"), required=False, validators=[validate_supported_date],
        help_text="The first day (default: today, Asia/Shanghai).",
    )
    days = serializers.IntegerField(
        label=_("days"), min_value=1, max_value=MAX_AVAILABILITY_DAYS, default=1,
        help_text=f"How many days (1–{MAX_AVAILABILITY_DAYS}).",
    )


class RoomFilter(filters.FilterSet):
    room_type = filters.ChoiceFilter(choices=RoomType.choices)

    class Meta:
        model = Room
        fields = ("room_type",)


class RoomViewSet(viewsets.ReadOnlyModelViewSet):
    """Rooms open for booking (会议室、路演厅、洽谈室) with capacity and equipment."""

    permission_classes = [BookingAccess]
    serializer_class = RoomSerializer
    filterset_class = RoomFilter

    def get_queryset(self) -> QuerySet[Room]:
        return selectors.rooms_open()

    @extend_schema(parameters=[AvailabilityQuerySerializer], responses=AvailabilitySerializer)
    @action(detail=True, methods=["get"], filterset_class=None)
    def availability(self, request: Request, pk: str | None = None) -> Response:
        """The room's slots of a day (or up to a week): free or busy — never who booked."""
        room = self.get_object()
        query = AvailabilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        first = query.validated_data.get("date") or timezone.localdate()
        days = query.validated_data["days"]
        resident = getattr(request, "resident", None) if audience(request) == RESIDENT else None
        calendar = selectors.room_week(room, first, resident=resident, days=days)
        return Response(AvailabilitySerializer({"room": room.pk, "days": calendar}).data)


# --- Bookings -------------------------------------------------------------------------------------------


class BookingSerializer(serializers.ModelSerializer):
    room_name = serializers.CharField(source="room.name", read_only=True)
    room_type = serializers.CharField(source="room.room_type", read_only=True)
    status_display = serializers.SerializerMethodField()
    ics_url = serializers.SerializerMethodField()

    class Meta:
        model = Booking
        fields = (
            "id", "room", "room_name", "room_type", "starts_at", "ends_at", "purpose", "attendees", "status",
            "status_display", "uses_credit", "created_at", "checked_in_at", "cancelled_at", "cancel_reason",
            "released_at", "ics_url",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_status_display(self, booking: Booking) -> str:
        return booking_messages.status_label(booking.status)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_ics_url(self, booking: Booking) -> str | None:
        request = self.context.get("request")
        if request is None or audience(request) != RESIDENT:
            return None
        return request.build_absolute_uri(reverse("spaces:booking_ics", args=[booking.pk]))


class _ResidentRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class StaffBookingSerializer(BookingSerializer):
    resident = _ResidentRef(read_only=True)
    booked_by = serializers.CharField(read_only=True)

    class Meta(BookingSerializer.Meta):
        fields = (*BookingSerializer.Meta.fields, "resident", "booked_by")
        read_only_fields = fields


class BookingCreateSerializer(serializers.Serializer):
    room = serializers.PrimaryKeyRelatedField(label=_("room"), queryset=Room.objects.all())
    starts_at = serializers.DateTimeField(label=_("starts at"))
    ends_at = serializers.DateTimeField(label=_("ends at"))
    purpose = serializers.CharField(label=_("purpose"), max_length=services.PURPOSE_MAX_LENGTH)
    attendees = serializers.IntegerField(label=_("attendees"), min_value=1, max_value=32767)
    use_credit = serializers.BooleanField(label=_("Use a free roadshow-hall credit"), default=False)


class BookingChangeSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(label=_("starts at"))
    ends_at = serializers.DateTimeField(label=_("ends at"))
    purpose = serializers.CharField(label=_("purpose"), max_length=services.PURPOSE_MAX_LENGTH, required=False)
    attendees = serializers.IntegerField(label=_("attendees"), min_value=1, max_value=32767, required=False)


class BookingCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(
        label=_("reason"), max_length=services.REASON_MAX_LENGTH, required=False, allow_blank=True
    )


class CreditsSerializer(serializers.Serializer):
    balance = serializers.IntegerField(help_text="Free roadshow-hall bookings left (第八章第一条).")


class BookingFilter(filters.FilterSet):
    room = filters.NumberFilter(field_name="room_id")
    room_type = filters.ChoiceFilter(field_name="room__room_type", choices=RoomType.choices)
    status = filters.ChoiceFilter(choices=BookingStatus.choices)
    resident = filters.NumberFilter(field_name="resident_id")
    date = DateFilter(method="filter_date", label=_("date"))
    starts_after = IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = Booking
        fields = ("room", "room_type", "status", "resident")

    def filter_date(self, queryset: QuerySet[Booking], name: str, value: date) -> QuerySet[Booking]:
        """Bookings starting on that day in Asia/Shanghai."""
        start = datetime.combine(value, time.min, tzinfo=timezone.get_default_timezone())
        return queryset.filter(starts_at__gte=start, starts_at__lt=start + timedelta(days=1))


class BookingViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Room bookings (公共空间预约, 第四章第一条): no two active bookings of a room overlap."""

    permission_classes = [BookingAccess]
    filterset_class = BookingFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Booking]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return Booking.objects.none()
        if audience(self.request) == STAFF:
            return selectors.bookings_for_staff().order_by("-starts_at", "-id")
        return selectors.bookings_of(self.request.resident).order_by("-starts_at", "-id")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if audience(self.request) == STAFF:
            return StaffBookingSerializer
        return BookingSerializer

    def _answer(self, booking: Booking, *, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=booking.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def _may_act(self, booking: Booking) -> None:
        """The resident acts on its own bookings (the queryset saw to that); staff need the change permission."""
        if audience(self.request) == STAFF and not _staff_may_change(self.request):
            raise PermissionDenied(_("Only the daily management team or the administrator manages bookings."))

    @extend_schema(request=BookingCreateSerializer, responses={201: BookingSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Book a room (residents). 409 with the taken slot when it overlaps another booking."""
        if audience(request) != RESIDENT:
            raise PermissionDenied(_("Rooms are booked by residents."))
        data = BookingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = services.booking_create(resident=request.resident, actor=request.user, **data.validated_data)
        return self._answer(booking, code=status.HTTP_201_CREATED)

    @extend_schema(request=BookingChangeSerializer, responses=BookingSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Move a confirmed booking that has not started to another time (same rules as a new one)."""
        booking = self.get_object()
        self._may_act(booking)
        data = BookingChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = services.booking_change(booking=booking, actor=request.user, **data.validated_data)
        return self._answer(booking)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)  # only PATCH is routed (http_method_names)

    @extend_schema(request=BookingCancelSerializer, responses=BookingSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel a confirmed booking (the resident until the release time; staff with a reason)."""
        booking = self.get_object()
        self._may_act(booking)
        data = BookingCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = services.booking_cancel(booking=booking, actor=request.user,
                                          reason=data.validated_data.get("reason", ""))
        return self._answer(booking)

    @extend_schema(request=None, responses=BookingSerializer)
    @action(detail=True, methods=["post"], url_path="check-in", filterset_class=None)
    def check_in(self, request: Request, pk: str | None = None) -> Response:
        """Check in at the room (the resident from 15 minutes before the start until the release time; staff
        until the end)."""
        booking = self.get_object()
        self._may_act(booking)
        booking = services.booking_check_in(booking=booking, actor=request.user)
        return self._answer(booking)

    @extend_schema(responses=CreditsSerializer)
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def credits(self, request: Request) -> Response:
        """The resident's free roadshow-hall bookings left (第八章第一条)."""
        if audience(request) != RESIDENT:
            raise PermissionDenied(_("Only a resident has credits."))
        return Response({"balance": selectors.credit_balance(request.resident)})


ROUTES = [("rooms", RoomViewSet, "room"), ("bookings", BookingViewSet, "booking")]
