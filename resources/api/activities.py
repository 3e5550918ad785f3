"""REST API for activities and attendance (/api/v1/activities/, /api/v1/activity-attendance/).

Two audiences on one resource:

- a resident (checked in) lists the upcoming activities, opens those it may see (upcoming, or
  registered / attended — another one: 404), POSTs ``register`` / ``unregister``, GETs its own
  personal check-in ``code`` (the QR code's content), its ``participation`` in a quarter, and
  its own attendance (``/activity-attendance/``);
- staff who read activities (resources team, administrator; oversight read-only) list every
  activity with filters; the resources team and the administrator create (POST), change (PATCH)
  and ``cancel`` activities, see the ``attendees`` sheet and check residents in — ``check-in`` by
  resident id (the list), ``check-in-by-code`` with the scanned code (the QR code).

Refusals: a wrong role → 403; bad input → 400 with the Chinese message per field; a full activity
or an illegal step → 409 (``opc_community.core.api.exception_handler``).
"""

from typing import Any
from urllib.parse import quote

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from opc_community.core.api import PersonSerializer
from opc_community.core.filters import IsoDateTimeFilter
from residents.access import RESIDENT, STAFF, audience, staff_or_resident
from residents.models import Resident
from resources.models import Activity, ActivityKind, Attendance, CheckInMethod
from resources.rules import activities as rules
from resources.rules import quarters
from resources.selectors import activities as selectors
from resources.services import activities as services
from resources.services import attendance as attendance_services
from spaces.models import Room

# --- Serializers -----------------------------------------------------------------------------------------


class ActivitySerializer(serializers.ModelSerializer):
    """An activity as a resident sees it, with places left and the resident's own state."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    places_left = serializers.SerializerMethodField()
    checkin_opens_at = serializers.SerializerMethodField()
    registered = serializers.BooleanField(read_only=True, default=False)
    attended_at = serializers.DateTimeField(read_only=True, allow_null=True, default=None)

    class Meta:
        model = Activity
        fields = (
            "id", "title", "kind", "kind_display", "description", "starts_at", "ends_at", "place", "capacity",
            "places_left", "counts_for_attendance", "cancelled_at", "checkin_opens_at", "registered", "attended_at",
        )
        read_only_fields = fields

    def get_places_left(self, activity: Activity) -> int:
        return rules.places_left(capacity=activity.capacity, taken=getattr(activity, "taken", 0))

    @extend_schema_field(serializers.DateTimeField())
    def get_checkin_opens_at(self, activity: Activity) -> Any:
        return serializers.DateTimeField().to_representation(rules.checkin_opens_at(activity.starts_at))


class StaffActivitySerializer(ActivitySerializer):
    """With the figures staff need: live registrations, check-ins, who published it."""

    taken = serializers.IntegerField(read_only=True, help_text="Live registrations.")
    attended = serializers.IntegerField(read_only=True, help_text="Residents checked in.")
    created_by = serializers.CharField(source="created_by.get_full_name", read_only=True)

    class Meta(ActivitySerializer.Meta):
        fields = tuple(f for f in ActivitySerializer.Meta.fields if f not in ("registered", "attended_at")) + (
            "taken", "attended", "created_by", "created_at", "booking",
        )
        read_only_fields = fields


class ActivityWriteSerializer(serializers.Serializer):
    title = serializers.CharField(label=_("title"), max_length=Activity._meta.get_field("title").max_length)
    kind = serializers.ChoiceField(label=_("kind"), choices=ActivityKind.choices)
    description = serializers.CharField(label=_("description"), required=False, allow_blank=True, default="")
    starts_at = serializers.DateTimeField(label=_("starts at"))
    ends_at = serializers.DateTimeField(label=_("ends at"))
    place = serializers.CharField(label=_("place"), max_length=Activity._meta.get_field("place").max_length)
    capacity = serializers.IntegerField(label=_("capacity (people)"), min_value=1, max_value=32767)
    counts_for_attendance = serializers.BooleanField(label=_("counts for attendance"), required=False, default=True)


class ActivityRoomSerializer(serializers.Serializer):
    room = serializers.PrimaryKeyRelatedField(label=_("room"), queryset=Room.objects.filter(is_active=True))


class RegistrationCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("reason"), max_length=services.REASON_MAX_LENGTH)


class CheckInSerializer(serializers.Serializer):
    resident = serializers.IntegerField(label=_("resident"), min_value=1)


class CodeSerializer(serializers.Serializer):
    code = serializers.CharField(label=_("check-in code"), max_length=500,
                                 help_text="What the scanner read: the code or the link holding it.")
    activity = serializers.IntegerField(
        required=False, min_value=1, help_text="The activity being checked in: a code for another one is refused."
    )


class AttendanceSerializer(serializers.ModelSerializer):
    activity_title = serializers.CharField(source="activity.title", read_only=True)
    activity_starts_at = serializers.DateTimeField(source="activity.starts_at", read_only=True)
    method_display = serializers.CharField(source="get_method_display", read_only=True)

    class Meta:
        model = Attendance
        fields = ("id", "activity", "activity_title", "activity_starts_at", "method", "method_display", "checked_in_at")
        read_only_fields = fields


class StaffAttendanceSerializer(AttendanceSerializer):
    resident = PersonSerializer(read_only=True)
    checked_in_by = serializers.CharField(source="checked_in_by.get_full_name", read_only=True)

    class Meta(AttendanceSerializer.Meta):
        fields = (*AttendanceSerializer.Meta.fields, "resident", "checked_in_by")
        read_only_fields = fields


class CheckInResultSerializer(serializers.Serializer):
    created = serializers.BooleanField(help_text="False: the resident was already checked in (nothing changed).")
    attendance = StaffAttendanceSerializer()


class SheetRowSerializer(serializers.Serializer):
    resident = PersonSerializer()
    registered_at = serializers.DateTimeField(allow_null=True)
    walk_in = serializers.BooleanField()
    checked_in_at = serializers.DateTimeField(allow_null=True, source="attendance.checked_in_at", default=None)
    method = serializers.CharField(allow_null=True, source="attendance.method", default=None)


class CodeAnswerSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The signed personal code.")
    url = serializers.URLField(help_text="What the QR code holds: staff open it to check the resident in.")
    expires_at = serializers.DateTimeField()


class ParticipationSerializer(serializers.Serializer):
    quarter = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    attended = serializers.IntegerField()
    expected = serializers.IntegerField()
    percent = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True,
                                       help_text="attended ÷ expected in % (one decimal); null: nothing expected.")


# --- Filters ---------------------------------------------------------------------------------------------


class ActivityFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=ActivityKind.choices)
    counts_for_attendance = filters.BooleanFilter()
    cancelled = filters.BooleanFilter(field_name="cancelled_at", lookup_expr="isnull", exclude=True)
    starts_after = IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = Activity
        fields = ("kind", "counts_for_attendance")


class AttendanceFilter(filters.FilterSet):
    activity = filters.NumberFilter(field_name="activity_id")
    resident = filters.NumberFilter(field_name="resident_id")
    method = filters.ChoiceFilter(choices=CheckInMethod.choices)
    checked_in_after = IsoDateTimeFilter(field_name="checked_in_at", lookup_expr="gte")
    checked_in_before = IsoDateTimeFilter(field_name="checked_in_at", lookup_expr="lt")

    class Meta:
        model = Attendance
        fields = ("activity", "resident", "method")


# --- Access -----------------------------------------------------------------------------------------------


ActivityAccess = staff_or_resident(services.is_reader)


class _Audience:
    request: Request

    def _require_resident(self) -> None:
        if audience(self.request) != RESIDENT:
            raise PermissionDenied(_("Only residents register for activities, for themselves."))

    def _require_manager(self) -> None:
        if not services.is_manager(self.request.user):
            raise PermissionDenied(
                _("Only the resources team or the administrator runs activities and checks residents in.")
            )


# --- Activities -------------------------------------------------------------------------------------------------


def _as_the_caller_sees_it(**kwargs: Any) -> PolymorphicProxySerializer:
    """Residents and staff read an activity differently: their own registration, or the live figures."""
    return PolymorphicProxySerializer(
        component_name="ActivityAsTheCallerSeesIt", serializers=[ActivitySerializer, StaffActivitySerializer],
        resource_type_field_name=None, **kwargs,
    )


@extend_schema_view(
    list=extend_schema(responses=_as_the_caller_sees_it(many=True)),
    retrieve=extend_schema(responses=_as_the_caller_sees_it()),
)
class ActivityViewSet(_Audience, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Activities (活动): trainings, salons, roadshows, matchmaking sessions (RULEBOOK §6).

    Residents: the upcoming ones (list), and any they may see (detail). Staff: all of them, filterable
    by kind, counting flag, cancellation and start time; newest first.
    """

    permission_classes = [ActivityAccess]
    filterset_class = ActivityFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]  # DELETE: only room/ (release)

    def get_queryset(self) -> QuerySet[Activity]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return Activity.objects.none()
        now = timezone.now()
        if audience(self.request) == STAFF:
            return selectors.activities_for_staff()
        if self.action == "list":
            return selectors.upcoming_for(self.request.resident, now=now)
        return selectors.visible_to(self.request.resident, now=now).order_by("starts_at", "pk")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return StaffActivitySerializer if audience(self.request) == STAFF else ActivitySerializer

    def _answer(self, activity: Activity, *, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=activity.pk)
        return Response(self.get_serializer_class()(fresh, context=self.get_serializer_context()).data, status=code)

    # --- Staff: publish, change, cancel ----------------------------------------------------------------------

    @extend_schema(request=ActivityWriteSerializer, responses={201: StaffActivitySerializer})
    def create(self, request: Request) -> Response:
        """Publish an activity (resources team, administrator)."""
        self._require_manager()
        data = ActivityWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        activity = services.activity_create(actor=request.user, **data.validated_data)
        return self._answer(activity, code=status.HTTP_201_CREATED)

    @extend_schema(request=ActivityWriteSerializer(partial=True), responses=StaffActivitySerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Change an activity before it is over; registered residents are told of a new time or place."""
        self._require_manager()
        data = ActivityWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = {key: value for key, value in data.validated_data.items() if key in request.data}
        activity = services.activity_update(activity=self.get_object(), actor=request.user, **changes)
        return self._answer(activity)

    @extend_schema(request=RegistrationCancelSerializer, responses=StaffActivitySerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel an activity with a reason (sent to every registered resident)."""
        self._require_manager()
        data = RegistrationCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        activity = services.activity_cancel(activity=self.get_object(), reason=data.validated_data["reason"],
                                            actor=request.user)
        return self._answer(activity)

    @extend_schema(methods=["POST"], request=ActivityRoomSerializer, responses=StaffActivitySerializer)
    @extend_schema(methods=["DELETE"], request=None, responses={200: StaffActivitySerializer})
    @action(detail=True, methods=["post", "delete"], filterset_class=None)
    def room(self, request: Request, pk: str | None = None) -> Response:
        """Reserve a room for the activity's whole time (POST ``{"room": id}``: the booking rules apply, a
        taken slot is 409 naming it) or give it back (DELETE). ``booking`` is the room booking's id."""
        self._require_manager()
        activity = self.get_object()
        if request.method == "DELETE":
            activity = services.activity_room_release(activity=activity, actor=request.user)
        else:
            data = ActivityRoomSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            activity = services.activity_room_reserve(activity=activity, room=data.validated_data["room"],
                                                      actor=request.user)
        return self._answer(activity)

    # --- Staff: check-in --------------------------------------------------------------------------------------------

    @extend_schema(responses=SheetRowSerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def attendees(self, request: Request, pk: str | None = None) -> Response:
        """The check-in sheet (staff): registered residents, then walk-ins, each with its check-in."""
        if audience(self.request) != STAFF:
            raise PermissionDenied(_("Only staff see the check-in sheet."))
        rows = selectors.checkin_sheet(self.get_object())
        return Response(SheetRowSerializer(rows, many=True).data)

    @extend_schema(request=CheckInSerializer, responses={200: CheckInResultSerializer, 201: CheckInResultSerializer})
    @action(detail=True, methods=["post"], url_path="check-in", filterset_class=None)
    def check_in(self, request: Request, pk: str | None = None) -> Response:
        """Check a resident in from the list (or as a walk-in); 200 with ``created: false`` when already checked in."""
        self._require_manager()
        data = CheckInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        resident = Resident.objects.filter(pk=data.validated_data["resident"]).first()
        if resident is None:
            raise ValidationError({"resident": [_("No such resident.")]})
        outcome = attendance_services.attendance_record(
            activity=self.get_object(), resident=resident, method=CheckInMethod.LIST, actor=request.user
        )
        return _check_in_answer(outcome)

    @extend_schema(request=CodeSerializer, responses={200: CheckInResultSerializer, 201: CheckInResultSerializer})
    @action(detail=False, methods=["post"], url_path="check-in-by-code", filterset_class=None)
    def check_in_by_code(self, request: Request) -> Response:
        """Check a resident in with the personal code scanned from its phone (the QR code)."""
        self._require_manager()
        data = CodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        activity = None
        if data.validated_data.get("activity"):
            activity = get_object_or_404(Activity, pk=data.validated_data["activity"])
        outcome = attendance_services.attendance_check_in_by_code(
            code=data.validated_data["code"], actor=request.user, activity=activity
        )
        return _check_in_answer(outcome)

    # --- Residents ------------------------------------------------------------------------------------------------------

    @extend_schema(request=None, responses={201: ActivitySerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def register(self, request: Request, pk: str | None = None) -> Response:
        """Register for the activity (residents); 409 when every place is taken."""
        self._require_resident()
        activity = services.registration_create(activity=self.get_object(), resident=request.resident,
                                                actor=request.user).activity
        return self._answer(activity, code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ActivitySerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def unregister(self, request: Request, pk: str | None = None) -> Response:
        """Cancel the registration (residents), until the activity starts."""
        self._require_resident()
        activity = self.get_object()
        registration = selectors.registration_of(request.resident, activity.pk)
        if registration is None:
            raise ValidationError({"detail": _("You are not registered for this activity.")})
        services.registration_cancel(registration=registration, actor=request.user)
        return self._answer(activity)

    @extend_schema(responses=CodeAnswerSerializer)
    @action(detail=True, methods=["get"], filterset_class=None)
    def code(self, request: Request, pk: str | None = None) -> Response:
        """The resident's own personal check-in code (what its QR code shows); 404 without a registration."""
        self._require_resident()
        activity = self.get_object()
        if selectors.registration_of(request.resident, activity.pk) is None:
            raise Http404
        code = attendance_services.personal_code(activity=activity, resident=request.resident)
        url = request.build_absolute_uri(f"{reverse('resources:checkin_scan')}?{rules.CODE_PARAMETER}={quote(code)}")
        return Response(CodeAnswerSerializer({"code": code, "url": url, "expires_at": activity.ends_at}).data)

    @extend_schema(
        parameters=[OpenApiParameter("quarter", OpenApiTypes.STR, description="e.g. 2026Q4; default: the current quarter")],
        responses=ParticipationSerializer,
    )
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def participation(self, request: Request) -> Response:
        """The resident's participation in a quarter (attended ÷ expected, 第六章第一条)."""
        self._require_resident()
        quarter = request.query_params.get("quarter")
        bounds = quarters.parse_quarter(quarter) if quarter else quarters.quarter_of(timezone.localdate())
        if bounds is None:
            raise ValidationError({"quarter": [_("Give the quarter as 2026Q4.")]})
        start, end = bounds
        attended, expected = selectors.participation_of(request.resident, start, end)
        return Response(ParticipationSerializer({
            "quarter": quarters.quarter_label(start), "start": start, "end": end, "attended": attended,
            "expected": expected, "percent": rules.participation_percent(attended=attended, expected=expected),
        }).data)


def _check_in_answer(outcome: attendance_services.CheckIn) -> Response:
    attendance = Attendance.objects.select_related("activity", "resident", "checked_in_by").get(
        pk=outcome.attendance.pk
    )
    return Response(
        {"created": outcome.created, "attendance": StaffAttendanceSerializer(attendance).data},
        status=status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK,
    )


# --- Attendance (read-only) -----------------------------------------------------------------------------------------


class AttendanceViewSet(_Audience, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Attendance records: a resident's own check-ins, newest first; staff: all, filterable."""

    permission_classes = [ActivityAccess]
    filterset_class = AttendanceFilter

    def get_queryset(self) -> QuerySet[Attendance]:
        if getattr(self, "swagger_fake_view", False):
            return Attendance.objects.none()
        if audience(self.request) == STAFF:
            return Attendance.objects.select_related("activity", "resident", "checked_in_by").order_by(
                "-checked_in_at", "-pk"
            )
        return selectors.attendance_history(self.request.resident)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return StaffAttendanceSerializer if audience(self.request) == STAFF else AttendanceSerializer


ROUTES = [
    ("activities", ActivityViewSet, "activity"),
    ("activity-attendance", AttendanceViewSet, "activity-attendance"),
]
