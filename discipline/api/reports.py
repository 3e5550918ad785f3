"""REST API: the monthly discipline report (/api/v1/discipline-report/?month=2026-10; 第八章第二条).

The same figures as the staff page (discipline.selectors.reports, definitions in its docstring),
as JSON: cases by kind and status, fines issued and paid, suspensions by scope, forced exits,
appeals. Read-only; staff of the daily management team, the administrator and oversight —
everyone else 403, anonymous 401/403. A month that is not "YYYY-MM" → 400 with the Chinese
message on ``month``.
"""

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from discipline.models import CaseStatus
from discipline.selectors import reports as selectors
from opc_community.accounts.permissions import has_role


class CanReadDisciplineReport(BasePermission):
    """Active staff in one of the report's roles (daily management team, administrator, oversight)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff and has_role(user, *selectors.REPORT_ROLES))


def _money() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)


class KindLineSerializer(serializers.Serializer):
    kind = serializers.CharField(source="code", read_only=True, help_text="code of the penalty table, e.g. 2b")
    label = serializers.CharField(read_only=True, help_text="code, name and category from the rulebook")
    by_status = serializers.SerializerMethodField()
    total = serializers.IntegerField(read_only=True)

    def get_by_status(self, line: selectors.KindLine) -> dict[str, int]:
        """Every case status with its count (0 included)."""
        return {status: line.by_status.get(status, 0) for status in CaseStatus.values}


class AppealFiguresSerializer(serializers.Serializer):
    submitted = serializers.IntegerField(read_only=True)
    upheld = serializers.IntegerField(read_only=True)
    dismissed = serializers.IntegerField(read_only=True)
    pending = serializers.IntegerField(read_only=True)
    on_time = serializers.IntegerField(read_only=True, help_text="answered by the deadline")
    late = serializers.IntegerField(read_only=True, help_text="answered after the deadline")
    overdue = serializers.IntegerField(read_only=True, help_text="pending and past the deadline now")


class DisciplineReportSerializer(serializers.Serializer):
    month = serializers.SerializerMethodField()
    kinds = KindLineSerializer(many=True, read_only=True)
    total = KindLineSerializer(read_only=True)
    fines_issued_count = serializers.IntegerField(read_only=True)
    fines_issued = _money()
    fines_paid_count = serializers.IntegerField(read_only=True, help_text="payments received (reversals excluded)")
    fines_paid = _money()
    suspensions = serializers.IntegerField(read_only=True)
    suspensions_by_scope = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    forced_exits = serializers.IntegerField(read_only=True)
    appeals = AppealFiguresSerializer(read_only=True)
    rulebook_version = serializers.IntegerField(read_only=True)
    generated_at = serializers.DateTimeField(read_only=True)

    def get_month(self, report: selectors.MonthlyReport) -> str:
        """"YYYY-MM"."""
        return f"{report.month:%Y-%m}"


class OneReportSchema(AutoSchema):
    """The report is one object, although the router serves it on the ``list`` route."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


class DisciplineReportViewSet(viewsets.ViewSet):
    """Cases, fines, suspensions, forced exits and appeals of one month (第八章第二条)."""

    permission_classes = [CanReadDisciplineReport]
    schema = OneReportSchema()

    @extend_schema(
        parameters=[OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM (default: this month)")],
        responses=DisciplineReportSerializer,
    )
    def list(self, request: Request) -> Response:
        month = selectors.parse_month(request.query_params.get("month"))
        report = selectors.monthly_report(month)
        return Response(DisciplineReportSerializer(report).data)

ROUTES = [("discipline-report", DisciplineReportViewSet, "discipline-report")]
