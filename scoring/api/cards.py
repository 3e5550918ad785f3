"""REST API of score cards and score appeals (/api/v1/score-cards/, /api/v1/score-appeals/,
/api/v1/score-dashboard/; 第六章第一条至第三条).

Two audiences on one resource:

- a resident reads its OWN cards of published and final quarters (another resident's id, or a draft:
  404) — each dimension with the rule behind its band, the verdict and what the next quarter needs, the
  appeal window — and appeals its own card during the publication window (POST /score-appeals/);
- staff with the view permission on score cards (administrator, oversight) list and filter every card
  (quarter, outcome, resident) and every appeal, and read the quarter dashboard; only the administrator
  decides appeals (POST /score-appeals/{id}/decide/).

Refusals: a wrong role → 403; bad input → 400 with the Chinese message naming the field; a state that
does not allow it → 409 (``opc_community.core.api.exception_handler``).
"""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.core.api import PersonSerializer
from opc_community.core.filters import YearFilter
from residents.access import RESIDENT, STAFF, audience, staff_or_resident
from scoring.api.inputs import ScoringQuarterSerializer
from scoring.models import Outcome, Quarter, ScoreAppeal, ScoreAppealStatus, ScoreCard
from scoring.selectors import cards as selectors
from scoring.selectors import dashboard as dashboard_selectors
from scoring.services import appeals as services
from scoring.services.signoff import correction_from


def _is_reader(user: Any) -> bool:
    return bool(user.is_staff and user.has_perm("scoring.view_scorecard"))


ScoreAccess = staff_or_resident(_is_reader)


class StaffOnly(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return _is_reader(request.user)


# --- Serializers ---------------------------------------------------------------------------------------


class ScoreCardSerializer(serializers.ModelSerializer):
    """A card with its inputs, points, rank and verdict."""

    quarter = ScoringQuarterSerializer(read_only=True)
    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True)

    class Meta:
        model = ScoreCard
        fields = ("id", "quarter", "attended", "expected", "milestones_done", "milestones_planned", "revenue",
                  "revenue_target", "award_level", "contributions", "plan_accepted", "completion_claim",
                  "revenue_claim", "participation_points", "completion_points",
                  "revenue_points", "award_points", "contribution_points", "total", "rank",
                  "streak_below_threshold", "outcome", "outcome_display", "reasons", "computed_at")
        read_only_fields = fields


class StaffScoreCardSerializer(ScoreCardSerializer):
    resident = PersonSerializer(read_only=True)

    class Meta(ScoreCardSerializer.Meta):
        fields = ("resident", *ScoreCardSerializer.Meta.fields)
        read_only_fields = fields


class ScoreDimensionSerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    value_text = serializers.CharField(read_only=True)
    points = serializers.IntegerField(read_only=True)
    max_points = serializers.IntegerField(read_only=True)
    rule_text = serializers.CharField(read_only=True, help_text="The band that applied, in plain words (Chinese).")


class ScoreOutlookSerializer(serializers.Serializer):
    outcome = serializers.CharField(read_only=True)
    outcome_label = serializers.CharField(read_only=True)
    reasons = serializers.ListField(child=serializers.CharField(), read_only=True)
    streak = serializers.IntegerField(read_only=True, help_text="consecutive quarters below the warning line")
    next_minimum = serializers.IntegerField(read_only=True, allow_null=True,
                                            help_text="total next quarter needs to avoid elimination")
    advice = serializers.ListField(child=serializers.CharField(), read_only=True)


class ScoreAppealSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ScoreAppeal
        fields = ("id", "card", "reason", "submitted_at", "answer_due_at", "status", "status_display",
                  "decided_at", "answer")
        read_only_fields = fields


class ScoreCardDetailSerializer(serializers.Serializer):
    """One card as its resident reads it in the portal."""

    card = ScoreCardSerializer(read_only=True)
    dimensions = ScoreDimensionSerializer(source="lines", many=True, read_only=True)
    outlook = ScoreOutlookSerializer(read_only=True)
    rulebook_version = serializers.IntegerField(read_only=True)
    appeal_window_ends_at = serializers.SerializerMethodField()
    can_appeal = serializers.BooleanField(read_only=True)
    answer_working_days = serializers.IntegerField(source="answer_days", read_only=True)
    appeals = ScoreAppealSerializer(many=True, read_only=True)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_appeal_window_ends_at(self, page: selectors.CardPage) -> str | None:
        if page.publication is None:
            return None
        return serializers.DateTimeField().to_representation(page.publication.window_ends_at)


class ScoreAppealCreateSerializer(serializers.Serializer):
    card = serializers.IntegerField(label=_("score card"))
    reason = serializers.CharField(label=_("Grounds of your appeal"), max_length=services.REASON_MAX_LENGTH)


class ScoreAppealDecideSerializer(serializers.Serializer):
    upheld = serializers.BooleanField()
    answer = serializers.CharField(label=_("Answer to the resident"), max_length=services.REASON_MAX_LENGTH)
    milestones_planned = serializers.IntegerField(required=False)
    milestones_done = serializers.IntegerField(required=False)
    revenue = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    revenue_target = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    rejected_awards = serializers.ListField(child=serializers.IntegerField(), required=False)
    rejected_contributions = serializers.ListField(child=serializers.IntegerField(), required=False)
    rejected_results = serializers.ListField(child=serializers.ChoiceField(choices=("completion", "revenue")),
                                             required=False)


class ScoreAppealDecisionSerializer(serializers.Serializer):
    appeal = ScoreAppealSerializer(read_only=True)
    changes = serializers.IntegerField(read_only=True, help_text="score values changed by the recomputation")


# --- Score cards ----------------------------------------------------------------------------------------


class ScoreCardFilter(filters.FilterSet):
    quarter = filters.NumberFilter(field_name="quarter_id")
    year = YearFilter(field_name="quarter__year")
    outcome = filters.ChoiceFilter(choices=Outcome.choices)
    resident = filters.NumberFilter(field_name="resident_id")

    class Meta:
        model = ScoreCard
        fields = ("quarter", "year", "outcome", "resident")


class ScoreCardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Score cards (第六章第一条). Residents: their own, published quarters only; staff readers: all."""

    permission_classes = [ScoreAccess]
    filterset_class = ScoreCardFilter

    def get_queryset(self) -> QuerySet[ScoreCard]:
        if getattr(self, "swagger_fake_view", False):
            return ScoreCard.objects.none()
        if audience(self.request) == STAFF:
            return ScoreCard.objects.select_related("quarter", "resident").order_by(
                "-quarter__year", "-quarter__number", "rank", "id")
        return selectors.resident_cards(self.request.resident).order_by("-quarter__year", "-quarter__number")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if audience(self.request) == STAFF:
            return StaffScoreCardSerializer
        return ScoreCardSerializer

    @extend_schema(responses=ScoreCardDetailSerializer)
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        """One card with the rule behind each band, the verdict, the outlook and the appeal window."""
        card = self.get_object()
        return Response(ScoreCardDetailSerializer(selectors.card_page(card)).data)


# --- Score appeals --------------------------------------------------------------------------------------


class ScoreAppealFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ScoreAppealStatus.choices)
    quarter = filters.NumberFilter(field_name="card__quarter_id")

    class Meta:
        model = ScoreAppeal
        fields = ("status", "quarter")


class ScoreAppealViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Score appeals (申诉, 第六章第三条), answered within 3 working days. Residents: create for their own
    card during the publication window, list their own. Staff readers: list all; the administrator decides."""

    permission_classes = [ScoreAccess]
    serializer_class = ScoreAppealSerializer
    filterset_class = ScoreAppealFilter

    def get_queryset(self) -> QuerySet[ScoreAppeal]:
        if getattr(self, "swagger_fake_view", False):
            return ScoreAppeal.objects.none()
        queryset = ScoreAppeal.objects.order_by("-submitted_at", "-id")
        if audience(self.request) == STAFF:
            return queryset
        return queryset.filter(resident=self.request.resident)

    @extend_schema(request=ScoreAppealCreateSerializer, responses={201: ScoreAppealSerializer})
    def create(self, request: Request) -> Response:
        """Appeal one of your own published scores, during the publication window."""
        if audience(request) != RESIDENT:
            raise PermissionDenied(_("Only the resident concerned appeals its score."))
        data = ScoreAppealCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        card = selectors.card_for_resident(request.resident, data.validated_data["card"])
        if card is None:
            raise NotFound
        appeal = services.score_appeal_submit(
            card=card, resident=request.resident, reason=data.validated_data["reason"], actor=request.user
        )
        return Response(ScoreAppealSerializer(appeal).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ScoreAppealDecideSerializer, responses=ScoreAppealDecisionSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def decide(self, request: Request, pk: str | None = None) -> Response:
        """Decide a pending appeal (administrator): upheld → corrected inputs, the quarter recomputed."""
        if audience(request) != STAFF or not has_role(request.user, Role.ADMINISTRATOR):
            raise PermissionDenied(_("Only the administrator decides score appeals (Chapter 6, Article 3)."))
        data = ScoreAppealDecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        upheld, answer = values.pop("upheld"), values.pop("answer")
        appeal, changes = services.score_appeal_decide(
            appeal=self.get_object(), upheld=upheld, answer=answer, actor=request.user,
            correction=correction_from(values) if upheld else None,
        )
        return Response(ScoreAppealDecisionSerializer({"appeal": appeal, "changes": len(changes)}).data)


# --- The quarter dashboard ------------------------------------------------------------------------------


class ScoreBinSerializer(serializers.Serializer):
    low = serializers.IntegerField(read_only=True)
    high = serializers.IntegerField(read_only=True)
    count = serializers.IntegerField(read_only=True)
    previous = serializers.IntegerField(read_only=True, help_text="the previous quarter's count")


class ScoreAverageSerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    mean = serializers.DecimalField(max_digits=5, decimal_places=1, read_only=True)
    max_points = serializers.IntegerField(read_only=True)


class ScoreListedSerializer(serializers.Serializer):
    resident = PersonSerializer(read_only=True)
    total = serializers.IntegerField(read_only=True)
    rank = serializers.IntegerField(read_only=True)
    reasons = serializers.ListField(child=serializers.CharField(), source="reason_texts", read_only=True)


class ScoreMoveSerializer(serializers.Serializer):
    resident_id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    before = serializers.IntegerField(read_only=True)
    after = serializers.IntegerField(read_only=True)
    delta = serializers.IntegerField(read_only=True)


class ScoreDashboardSerializer(serializers.Serializer):
    quarter = ScoringQuarterSerializer(read_only=True)
    cohort = serializers.IntegerField(read_only=True)
    rulebook_version = serializers.IntegerField(read_only=True)
    mean_total = serializers.DecimalField(max_digits=5, decimal_places=1, read_only=True)
    previous_mean_total = serializers.DecimalField(max_digits=5, decimal_places=1, read_only=True, allow_null=True)
    bins = ScoreBinSerializer(many=True, read_only=True)
    averages = ScoreAverageSerializer(many=True, read_only=True)
    k = serializers.IntegerField(read_only=True, help_text="size of the bottom group, floor(N × ratio)")
    bottom_group = ScoreListedSerializer(many=True, read_only=True)
    eliminated = ScoreListedSerializer(many=True, read_only=True)
    warnings = ScoreListedSerializer(many=True, read_only=True)
    moves = ScoreMoveSerializer(many=True, read_only=True)
    went_up = serializers.IntegerField(read_only=True)
    went_down = serializers.IntegerField(read_only=True)
    unchanged = serializers.IntegerField(read_only=True)
    new = serializers.IntegerField(read_only=True)
    gone = serializers.IntegerField(read_only=True)
    appeals = serializers.DictField(child=serializers.IntegerField(), read_only=True)


class OneDashboardSchema(AutoSchema):
    """The dashboard is one object, although the router serves it on the ``list`` route."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


class ScoreDashboardViewSet(viewsets.ViewSet):
    """The quarter dashboard's figures (staff readers; definitions in scoring.selectors.dashboard)."""

    permission_classes = [StaffOnly]
    schema = OneDashboardSchema()

    @extend_schema(
        parameters=[OpenApiParameter("quarter", OpenApiTypes.INT, description="quarter id (default: latest run)")],
        responses=ScoreDashboardSerializer,
    )
    def list(self, request: Request) -> Response:
        wanted = request.query_params.get("quarter")
        if wanted:
            if not wanted.isdigit():
                raise NotFound
            quarter = get_object_or_404(Quarter, pk=int(wanted))
        else:
            quarter = dashboard_selectors.quarters_with_cards().first()
            if quarter is None:
                raise NotFound
        return Response(ScoreDashboardSerializer(dashboard_selectors.quarter_dashboard(quarter)).data)


ROUTES = [
    ("score-cards", ScoreCardViewSet, "score-card"),
    ("score-appeals", ScoreAppealViewSet, "score-appeal"),
    ("score-dashboard", ScoreDashboardViewSet, "score-dashboard"),
]
