"""REST API of quarterly inputs (/api/v1/scoring-inputs/, /api/v1/scoring-quarters/), 第六章第一条、第三条.

- A resident (checked in) lists and reads its own inputs only (another's: 404), saves its results
  for a quarter (POST, the same checks as the portal: given, not negative, before the deadline) and
  ``submit``s them. The plan they are measured against is ``/api/v1/scoring-plans/``.
- Staff who read scoring (administrator; oversight read-only) list every input, filterable by
  quarter, status and resident; the administrator ``verify``s or ``correct``s one with a reason.
- Quarters are readable by both (status, deadline, rulebook version used).

Refusals: a wrong role → 403; bad input → 400 with the Chinese message naming the field; an illegal
step → 409 (``opc_community.core.api.exception_handler``).
"""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from opc_community.core.api import PersonSerializer
from residents.access import RESIDENT, STAFF, audience, staff_or_resident
from scoring.models import AwardClaim, Contribution, InputStatus, Quarter, QuarterInput
from scoring.selectors import inputs as selectors
from scoring.services import inputs as services


def _reads_scoring(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False) and user.has_perm("scoring.view_quarterinput"))


InputAccess = staff_or_resident(_reads_scoring)


# --- Serializers -----------------------------------------------------------------------------------------


class ScoringQuarterSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Quarter
        fields = ("id", "year", "number", "inputs_due_on", "status", "status_display", "rulebook_version",
                  "confirmed_at", "published_at", "finalised_at")
        read_only_fields = fields


class InputAwardSerializer(serializers.ModelSerializer):
    class Meta:
        model = AwardClaim
        fields = ("id", "level", "title", "verified")
        read_only_fields = fields


class InputContributionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contribution
        fields = ("id", "kind", "description", "proof_link", "verified")
        read_only_fields = fields


class QuarterInputSerializer(serializers.ModelSerializer):
    resident = PersonSerializer(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    awards = InputAwardSerializer(many=True, read_only=True)
    contributions = InputContributionSerializer(many=True, read_only=True)

    class Meta:
        model = QuarterInput
        fields = ("id", "quarter", "resident", "milestones_done", "revenue", "completion_rejected",
                  "revenue_rejected", "status", "status_display", "submitted_at", "verified_at", "correction_reason",
                  "awards", "contributions")
        read_only_fields = fields


class InputNumbersSerializer(serializers.Serializer):
    """The results filed against the plan (checked by the service: given, not negative)."""

    milestones_done = serializers.IntegerField(required=False, allow_null=True)
    revenue = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)


class InputSaveSerializer(InputNumbersSerializer):
    quarter = serializers.PrimaryKeyRelatedField(queryset=Quarter.objects.all())


class InputCorrectionSerializer(InputNumbersSerializer):
    reason = serializers.CharField(allow_blank=True)
    rejected_awards = serializers.ListField(child=serializers.IntegerField(), required=False)
    rejected_contributions = serializers.ListField(child=serializers.IntegerField(), required=False)
    rejected_results = serializers.ListField(
        child=serializers.ChoiceField(choices=tuple(services.RESULT_CLAIMS)), required=False,
        help_text="results claims rejected (scored as absent): completion, revenue; absent = left as they are")


class InputFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=InputStatus.choices)

    class Meta:
        model = QuarterInput
        fields = ("quarter", "status", "resident")


# --- Viewsets ---------------------------------------------------------------------------------------------


class ScoringQuarterViewSet(viewsets.ReadOnlyModelViewSet):
    """Quarters of the assessment: status, inputs deadline, rulebook version used (logged-in users)."""

    permission_classes = [IsAuthenticated]
    serializer_class = ScoringQuarterSerializer
    queryset = Quarter.objects.order_by("-year", "-number")


class QuarterInputViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Quarterly inputs (季度考核数据): a resident's own; every one for staff who read scoring."""

    permission_classes = [InputAccess]
    serializer_class = QuarterInputSerializer
    filterset_class = InputFilter

    def get_queryset(self) -> QuerySet[QuarterInput]:
        if getattr(self, "swagger_fake_view", False):
            return QuarterInput.objects.none()
        queryset = selectors.with_attachments(QuarterInput.objects.order_by("-quarter__year", "-quarter__number", "pk"))
        if audience(self.request) == STAFF:
            return queryset
        return queryset.filter(resident=self.request.resident)

    def _answer(self, data: QuarterInput, *, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=data.pk)
        return Response(QuarterInputSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=InputSaveSerializer, responses={201: QuarterInputSerializer})
    def create(self, request: Request) -> Response:
        """Save the resident's own numbers for a quarter (created or updated) before the deadline."""
        if audience(self.request) != RESIDENT:
            raise PermissionDenied(_("Residents enter their own inputs; staff correct them."))
        payload = InputSaveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        values = dict(payload.validated_data)
        quarter = values.pop("quarter")
        data = services.input_save(quarter=quarter, resident=request.resident, values=values, actor=request.user)
        return self._answer(data, code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=QuarterInputSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Hand the inputs to staff (resident, before the deadline)."""
        if audience(self.request) != RESIDENT:
            raise PermissionDenied(_("Only the resident submits its inputs."))
        return self._answer(services.input_submit(input=self.get_object(), actor=request.user))

    @extend_schema(request=None, responses=QuarterInputSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def verify(self, request: Request, pk: str | None = None) -> Response:
        """Verify the numbers and every award and contribution (administrator)."""
        return self._answer(services.input_verify(input=self.get_object(), actor=request.user))

    @extend_schema(request=InputCorrectionSerializer, responses=QuarterInputSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def correct(self, request: Request, pk: str | None = None) -> Response:
        """Correct results or reject claims (scored as absent) with a reason the resident is told (administrator)."""
        data = self.get_object()
        payload = InputCorrectionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        values = payload.validated_data
        correction = services.Correction(
            values={name: values[name] for name in services.NUMBER_FIELDS if values.get(name) is not None},
            rejected_awards=values.get("rejected_awards", ()),
            rejected_contributions=values.get("rejected_contributions", ()),
            rejected_results=values.get("rejected_results"),
        )
        corrected = services.input_correct(quarter=get_object_or_404(Quarter, pk=data.quarter_id),
                                           resident=data.resident, correction=correction,
                                           reason=values["reason"], actor=request.user)
        return self._answer(corrected)


ROUTES = [
    ("scoring-quarters", ScoringQuarterViewSet, "scoring-quarter"),
    ("scoring-inputs", QuarterInputViewSet, "scoring-input"),
]
