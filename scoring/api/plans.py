"""REST API of quarterly plans (/api/v1/scoring-plans/, /api/v1/scoring-plan-changes/; RULEBOOK §7.1,
decision added 2026-12).

- A resident (checked in) lists and reads its own plans and change requests only (another's: 404); saves
  its plan for a quarter (POST, the portal's checks: numbers given and not negative, before the last day
  to file), ``submit``s it, and asks for a ``change`` of the accepted plan with a reason.
- Staff who read scoring (administrator; oversight read-only) list every plan and change, filterable by
  quarter, status, resident and late decisions; the administrator ``accept``s or ``return``s a plan and
  ``approve``s or ``refuse``s a change, with a reason.

Refusals: a wrong role → 403; bad input → 400 with the Chinese message naming the field; an illegal
step or a passed deadline → 409 (``opc_community.core.api.exception_handler``).
"""

from typing import Any

from django.db.models import Q, QuerySet
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
from residents.access import RESIDENT, STAFF, audience, staff_or_resident
from scoring.models import PlanChange, PlanChangeStatus, PlanStatus, Quarter, QuarterPlan
from scoring.selectors import plans as selectors
from scoring.services import plans as services


def _reads_scoring(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False) and user.has_perm("scoring.view_quarterplan"))


PlanAccess = staff_or_resident(_reads_scoring)


# --- Serializers -----------------------------------------------------------------------------------------


class PlanChangeSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = PlanChange
        fields = ("id", "plan", "previous_milestones_planned", "milestones_planned", "previous_revenue_target",
                  "revenue_target", "reason", "status", "status_display", "requested_at", "answer_due_on",
                  "decided_at", "answer")
        read_only_fields = fields


class QuarterPlanSerializer(serializers.ModelSerializer):
    resident = PersonSerializer(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    changes = PlanChangeSerializer(many=True, read_only=True)

    class Meta:
        model = QuarterPlan
        fields = ("id", "quarter", "resident", "milestones_planned", "revenue_target", "note", "status",
                  "status_display", "submitted_at", "decision_due_on", "decided_at", "return_reason",
                  "refile_due_on", "changes")
        read_only_fields = fields


class PlanNumbersSerializer(serializers.Serializer):
    """The plan's numbers (checked by the service: given, not negative)."""

    milestones_planned = serializers.IntegerField(required=False, allow_null=True)
    revenue_target = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)


class PlanSaveSerializer(PlanNumbersSerializer):
    quarter = serializers.PrimaryKeyRelatedField(queryset=Quarter.objects.all())
    note = serializers.CharField(required=False, allow_blank=True, max_length=services.TEXT_MAX_LENGTH)


class PlanChangeRequestSerializer(PlanNumbersSerializer):
    reason = serializers.CharField(allow_blank=True, max_length=services.TEXT_MAX_LENGTH)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=services.TEXT_MAX_LENGTH)


class LateFilter(filters.BooleanFilter):
    """``?late=true``: awaiting staff after its decision day; ``false``: the others."""

    def __init__(self, *args: Any, waiting: str, due: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.waiting, self.due = waiting, due

    def filter(self, queryset: QuerySet, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        late = Q(status=self.waiting, **{f"{self.due}__lt": timezone.localdate()})
        return queryset.filter(late) if value else queryset.exclude(late)


class PlanFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=PlanStatus.choices)
    late = LateFilter(waiting=PlanStatus.SUBMITTED, due="decision_due_on", label="decision late")

    class Meta:
        model = QuarterPlan
        fields = ("quarter", "status", "resident", "late")


class PlanChangeFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=PlanChangeStatus.choices)
    quarter = filters.NumberFilter(field_name="plan__quarter_id")
    resident = filters.NumberFilter(field_name="plan__resident_id")
    late = LateFilter(waiting=PlanChangeStatus.PENDING, due="answer_due_on", label="answer late")

    class Meta:
        model = PlanChange
        fields = ("status", "quarter", "resident", "late")


# --- Viewsets ---------------------------------------------------------------------------------------------


class QuarterPlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Quarterly plans (季度计划): a resident's own; every one for staff who read scoring."""

    permission_classes = [PlanAccess]
    serializer_class = QuarterPlanSerializer
    filterset_class = PlanFilter

    def get_queryset(self) -> QuerySet[QuarterPlan]:
        if getattr(self, "swagger_fake_view", False):
            return QuarterPlan.objects.none()
        queryset = selectors.with_changes(QuarterPlan.objects.order_by("-quarter__year", "-quarter__number", "pk"))
        if audience(self.request) == STAFF:
            return queryset
        return queryset.filter(resident=self.request.resident)

    def _answer(self, plan: QuarterPlan, *, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=plan.pk)
        return Response(QuarterPlanSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def _resident_only(self) -> None:
        if audience(self.request) != RESIDENT:
            raise PermissionDenied(_("Residents file their own plans; staff accept or return them."))

    @extend_schema(request=PlanSaveSerializer, responses={201: QuarterPlanSerializer})
    def create(self, request: Request) -> Response:
        """Save the resident's own plan for a quarter (a draft, created or updated) until its last day to file."""
        self._resident_only()
        payload = PlanSaveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        values = dict(payload.validated_data)
        quarter = values.pop("quarter")
        plan = services.plan_save(quarter=quarter, resident=request.resident, values=values, actor=request.user)
        return self._answer(plan, code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=QuarterPlanSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Hand the plan to staff (resident, until its last day to file)."""
        self._resident_only()
        return self._answer(services.plan_submit(plan=self.get_object(), actor=request.user))

    @extend_schema(request=PlanChangeRequestSerializer, responses={201: PlanChangeSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def change(self, request: Request, pk: str | None = None) -> Response:
        """Ask staff to change the accepted plan: new numbers and the reason (resident, until quarter end)."""
        self._resident_only()
        plan = self.get_object()
        payload = PlanChangeRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        values = dict(payload.validated_data)
        made = services.plan_change_request(plan=plan, values=values, reason=values.pop("reason"), actor=request.user)
        return Response(PlanChangeSerializer(made).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=QuarterPlanSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """Accept and lock the plan (administrator)."""
        return self._answer(services.plan_accept(plan=self.get_object(), actor=request.user))

    @extend_schema(request=ReasonSerializer, responses=QuarterPlanSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return", filterset_class=None)
    def send_back(self, request: Request, pk: str | None = None) -> Response:
        """Return the plan with the reason the resident reads (administrator)."""
        plan = self.get_object()
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._answer(services.plan_return(plan=plan, reason=payload.validated_data["reason"],
                                                 actor=request.user))


class PlanChangeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Change requests of accepted plans: a resident's own; every one for staff who read scoring."""

    permission_classes = [PlanAccess]
    serializer_class = PlanChangeSerializer
    filterset_class = PlanChangeFilter

    def get_queryset(self) -> QuerySet[PlanChange]:
        if getattr(self, "swagger_fake_view", False):
            return PlanChange.objects.none()
        queryset = PlanChange.objects.order_by("-requested_at", "-id")
        if audience(self.request) == STAFF:
            return queryset
        return queryset.filter(plan__resident=self.request.resident)

    def _decide(self, request: Request, service: Any) -> Response:
        change = self.get_object()
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        decided = service(change=change, answer=payload.validated_data["reason"], actor=request.user)
        return Response(PlanChangeSerializer(decided).data)

    @extend_schema(request=ReasonSerializer, responses=PlanChangeSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve the change with a reason: the plan takes the new numbers (administrator)."""
        return self._decide(request, services.plan_change_approve)

    @extend_schema(request=ReasonSerializer, responses=PlanChangeSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def refuse(self, request: Request, pk: str | None = None) -> Response:
        """Refuse the change with a reason: the plan stays as it is (administrator)."""
        return self._decide(request, services.plan_change_refuse)


ROUTES = [
    ("scoring-plans", QuarterPlanViewSet, "scoring-plan"),
    ("scoring-plan-changes", PlanChangeViewSet, "scoring-plan-change"),
]
