"""Working-day calendar for integrations: the special days, and a deadline calculator."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from opc_community.core.filters import DateFilter, YearFilter
from opc_community.workdays.models import SpecialDay
from opc_community.workdays.selectors import deadline


class SpecialDaySerializer(serializers.ModelSerializer):
    class Meta:
        model = SpecialDay
        fields = ("date", "kind", "name")


class DeadlineQuerySerializer(serializers.Serializer):
    event_at = serializers.DateTimeField(help_text=_("When the event happened (ISO 8601)."))
    working_days = serializers.IntegerField(min_value=0, max_value=366)


class DeadlineSerializer(serializers.Serializer):
    deadline = serializers.DateTimeField()
    provisional = serializers.BooleanField()


class SpecialDayFilter(filters.FilterSet):
    date__year = YearFilter(field_name="date", lookup_expr="year")
    date__gte = DateFilter(field_name="date", lookup_expr="gte")
    date__lte = DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = SpecialDay
        fields = ("kind",)


class SpecialDayViewSet(viewsets.ReadOnlyModelViewSet):
    """Holidays and adjusted working days (logged-in users). Filter with ``?date__year=2026&kind=holiday``."""

    queryset = SpecialDay.objects.order_by("date")
    serializer_class = SpecialDaySerializer
    filterset_class = SpecialDayFilter

    @extend_schema(
        parameters=[
            OpenApiParameter("event_at", str, required=True),
            OpenApiParameter("working_days", int, required=True),
        ],
        responses=DeadlineSerializer,
    )
    @action(detail=False, methods=["get"])
    def deadline(self, request: Request) -> Response:
        """End of the N-th working day after the event's date (RULEBOOK §2), and whether it is provisional."""
        query = DeadlineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = deadline(query.validated_data["event_at"], query.validated_data["working_days"])
        return Response(DeadlineSerializer({"deadline": found.at, "provisional": found.provisional}).data)


ROUTES = [("workdays", SpecialDayViewSet, "workday")]
