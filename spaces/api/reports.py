"""REST API: the occupancy report (/api/v1/occupancy/?from=&to=&room_type=; 第四章第一条).

The same figures as the admin page (spaces.selectors.reports, definitions in its docstring and
in docs/spaces.md), as JSON: one line per ISO week and room type, totals per room type over
the period, and the grand total. Read-only; staff who hold ``spaces.view_occupancyreport``
(the daily management team, the administrator, oversight) — everyone else 403. A bad period
→ 400 with the Chinese message and the field (``from``/``to``/``room_type``).
"""

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from opc_community.core.errors import DomainError
from spaces.forms.reports import OccupancyFilterForm
from spaces.models import RoomType
from spaces.selectors.reports import OccupancyLine, occupancy_report


class CanViewOccupancy(BasePermission):
    """Staff with the report's ``view`` permission (the role matrix gives it to daily, administrator, oversight)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff and user.has_perm("spaces.view_occupancyreport"))


def _percent(source: str, help_text: str) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=6, decimal_places=1, coerce_to_string=False, allow_null=True, read_only=True,
        source=source, help_text=help_text,
    )


def _hours() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=9, decimal_places=1, coerce_to_string=False, read_only=True)


class OccupancyLineSerializer(serializers.Serializer):
    """One room type in one ISO week (``week`` null in totals; ``room_type`` null for all types)."""

    week = serializers.CharField(source="week_label", allow_null=True, read_only=True, help_text="ISO week, e.g. 2026-W47")
    starts_on = serializers.DateField(source="week", allow_null=True, read_only=True)
    ends_on = serializers.DateField(source="week_ends_on", allow_null=True, read_only=True)
    room_type = serializers.ChoiceField(choices=RoomType.choices, allow_null=True, read_only=True)
    days = serializers.IntegerField(read_only=True, help_text="days of the period in this line")
    rooms = serializers.IntegerField(read_only=True)
    available_hours = _hours()
    used_hours = _hours()
    utilisation_percent = _percent("utilisation", "used ÷ available hours (null: no room available)")
    lost_hours = _hours()
    reserved_hours = _hours()
    bookings = serializers.IntegerField(read_only=True)
    checked_in = serializers.IntegerField(read_only=True)
    no_shows = serializers.IntegerField(read_only=True)
    no_show_rate_percent = _percent(
        "no_show_rate", "no-shows ÷ (checked in + no-shows) (null: no booking with an outcome yet)"
    )
    cancellations = serializers.IntegerField(read_only=True)
    confirmed = serializers.IntegerField(read_only=True)

    def to_representation(self, line: OccupancyLine) -> dict[str, Any]:
        data = super().to_representation(line)
        data["week"] = line.week_label or None  # totals have no week
        return data


class OccupancyReportSerializer(serializers.Serializer):
    start = serializers.DateField(read_only=True, source="report.start")
    end = serializers.DateField(read_only=True, source="report.end")
    room_types = serializers.ListField(
        child=serializers.CharField(), read_only=True, source="report.room_types",
        help_text="the room types in the report, in this order: meeting_room, roadshow_hall, negotiation_room",
    )
    weeks = OccupancyLineSerializer(many=True, read_only=True, source="report.lines")
    by_room_type = OccupancyLineSerializer(many=True, read_only=True, source="report.by_type")
    total = OccupancyLineSerializer(read_only=True, source="report.total")


class OneReportSchema(AutoSchema):
    """The report is one object, although the router serves it on the ``list`` route."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


class OccupancyViewSet(viewsets.ViewSet):
    """Room utilisation and no-show rate by ISO week and room type (第四章第一条)."""

    permission_classes = [CanViewOccupancy]
    schema = OneReportSchema()

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="first day (default: Monday 7 weeks before `to`'s week)"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="last day, inclusive (default: today)"),
            OpenApiParameter("room_type", str, enum=RoomType.values, description="one room type (default: all)"),
        ],
        responses=OccupancyReportSerializer,
    )
    def list(self, request: Request) -> Response:
        form = OccupancyFilterForm(request.query_params)
        if not form.is_valid():
            field, errors = next(iter(form.errors.items()))
            raise DomainError(errors[0], field=None if field == "__all__" else field)
        start, end, room_type = form.period()
        report = occupancy_report(start=start, end=end, room_type=room_type)
        return Response(OccupancyReportSerializer({"report": report}).data)


ROUTES = [("occupancy", OccupancyViewSet, "occupancy")]
