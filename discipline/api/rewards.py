"""REST API for rewards and volunteer service (/api/v1/rewards/, /api/v1/volunteer-services/; 第八章第一条).

Two audiences on each resource:

- a resident sees its own rewards and volunteer services only (another resident's id: 404)
  and POSTs ``choose`` on a compliance-excellence reward (roadshow credits or voucher subsidy);
- staff who may read rewards (administrator; oversight read-only) list all of them with
  filters; the administrator may record a resident's choice; staff who may record volunteer
  services (``discipline.add_volunteerservice``) POST new records.

Refusals: a wrong role → 403; bad input → 400 with the Chinese message per field; a step the
status does not allow → 409 (``opc_community.core.api.exception_handler``).
"""

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from discipline.models import Reward, RewardChoice, RewardKind, RewardStatus, VolunteerService
from discipline.selectors import rewards as selectors
from discipline.services import reward_support
from discipline.services import rewards as services
from opc_community.core.api import PersonSerializer
from opc_community.core.filters import DateFilter, YearFilter
from residents.access import STAFF, audience, staff_holding, staff_or_resident
from residents.models import Resident

# --- Serializers ------------------------------------------------------------------------------------


class RewardSerializer(serializers.ModelSerializer):
    """A reward with its status; amounts in yuan as decimal strings, times in ISO 8601."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    choice_display = serializers.CharField(source="get_choice_display", read_only=True)
    grant_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Reward
        fields = (
            "id", "kind", "kind_display", "year", "level", "choice", "choice_display", "amount", "support",
            "status", "status_display", "verified_at", "grant_due_at", "grant_overdue", "granted_at", "grant_note",
            "annulled_at", "annul_reason", "rulebook_version",
        )
        read_only_fields = fields

    def get_grant_overdue(self, reward: Reward) -> bool:
        """Approved and not granted by its deadline (第八章第一条)."""
        return bool(reward.status == RewardStatus.APPROVED and reward.grant_due_at
                    and reward.grant_due_at < timezone.now())


class StaffRewardSerializer(RewardSerializer):
    resident = PersonSerializer(read_only=True)

    class Meta(RewardSerializer.Meta):
        fields = (*RewardSerializer.Meta.fields, "resident", "reason", "evidence_ref")
        read_only_fields = fields


class ChooseSerializer(serializers.Serializer):
    choice = serializers.ChoiceField(
        label=_("your reward"), choices=[RewardChoice.ROADSHOW_CREDITS, RewardChoice.VOUCHER_SUBSIDY]
    )


class VolunteerServiceSerializer(serializers.ModelSerializer):
    class Meta:
        model = VolunteerService
        fields = ("id", "served_on", "activity", "hours", "recorded_at")
        read_only_fields = fields


class StaffVolunteerServiceSerializer(VolunteerServiceSerializer):
    resident = PersonSerializer(read_only=True)
    recorded_by = serializers.CharField(source="recorded_by.get_full_name", read_only=True)

    class Meta(VolunteerServiceSerializer.Meta):
        fields = (*VolunteerServiceSerializer.Meta.fields, "resident", "recorded_by")
        read_only_fields = fields


class VolunteerServiceCreateSerializer(serializers.Serializer):
    resident = serializers.PrimaryKeyRelatedField(label=_("resident"), queryset=Resident.objects.all())
    served_on = serializers.DateField(label=_("date"))
    activity = serializers.CharField(label=_("activity"), max_length=services.ACTIVITY_MAX_LENGTH)
    hours = serializers.DecimalField(label=_("hours"), max_digits=5, decimal_places=1, required=False,
                                     allow_null=True)


# --- Filters ----------------------------------------------------------------------------------------


class RewardFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=RewardStatus.choices)
    kind = filters.ChoiceFilter(choices=RewardKind.choices)
    year = YearFilter()
    resident = filters.NumberFilter(field_name="resident_id")
    grant_overdue = filters.BooleanFilter(method="filter_grant_overdue", label=_("grant overdue"))

    class Meta:
        model = Reward
        fields = ("status", "kind", "year", "resident")

    def filter_grant_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        condition = selectors.overdue_q(timezone.now())
        return queryset.filter(condition) if value else queryset.exclude(condition)


class VolunteerServiceFilter(filters.FilterSet):
    resident = filters.NumberFilter(field_name="resident_id")
    year = YearFilter(field_name="served_on", lookup_expr="year")
    served_after = DateFilter(field_name="served_on", lookup_expr="gte")
    served_before = DateFilter(field_name="served_on", lookup_expr="lte")
    activity = filters.CharFilter(field_name="activity", lookup_expr="icontains")

    class Meta:
        model = VolunteerService
        fields = ("resident",)


# --- Access --------------------------------------------------------------------------------------------


class _Audience:
    request: Any

    def _staff(self) -> bool:
        return audience(self.request) == STAFF


# --- Resources ----------------------------------------------------------------------------------------


class RewardViewSet(_Audience, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Rewards (第八章第一条): verified → published 3 working days → approved → granted within 10 working days.

    Residents: their own rewards only. Staff: every reward, filterable by status, kind, year,
    resident and overdue grant.
    """

    permission_classes = [staff_or_resident(staff_holding("discipline.view_reward"))]
    filterset_class = RewardFilter

    def get_queryset(self) -> QuerySet[Reward]:
        if getattr(self, "swagger_fake_view", False):
            return Reward.objects.none()
        if self._staff():
            return selectors.reward_queue().order_by("-verified_at", "-pk")
        return selectors.rewards_of(self.request.resident)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return StaffRewardSerializer if audience(self.request) == STAFF else RewardSerializer

    @extend_schema(request=ChooseSerializer, responses=RewardSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def choose(self, request: Request, pk: str | None = None) -> Response:
        """Compliance excellence: choose the roadshow-hall credits or the compute-voucher subsidy (until granted)."""
        if self._staff() and not reward_support.can_decide_rewards(request.user):
            raise PermissionDenied(_("Only the resident or the administrator chooses the reward."))
        data = ChooseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reward = services.reward_choose(reward=self.get_object(), choice=data.validated_data["choice"],
                                        actor=request.user)
        fresh = self.get_queryset().get(pk=reward.pk)
        return Response(self.get_serializer(fresh).data)


class VolunteerServiceViewSet(
    _Audience, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Volunteer services (志愿服务): they count towards compliance excellence (第八章第一条).

    Residents: their own records. Staff: every record, filterable by resident, year, dates and
    activity; staff who record volunteer services create them.
    """

    permission_classes = [staff_or_resident(staff_holding("discipline.view_volunteerservice"))]
    filterset_class = VolunteerServiceFilter

    def get_queryset(self) -> QuerySet[VolunteerService]:
        if getattr(self, "swagger_fake_view", False):
            return VolunteerService.objects.none()
        if self._staff():
            return VolunteerService.objects.select_related("resident", "recorded_by").order_by("-served_on", "-pk")
        return selectors.volunteer_services_of(self.request.resident)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if audience(self.request) == STAFF:
            return StaffVolunteerServiceSerializer
        return VolunteerServiceSerializer

    @extend_schema(request=VolunteerServiceCreateSerializer, responses={201: StaffVolunteerServiceSerializer})
    def create(self, request: Request) -> Response:
        """Record a volunteer service (resources team, administrator)."""
        if not self._staff() or not services.can_record_volunteer(request.user):
            raise PermissionDenied(_("Only the resources team or the administrator records volunteer services."))
        data = VolunteerServiceCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.volunteer_service_record(actor=request.user, **data.validated_data)
        fresh = self.get_queryset().get(pk=record.pk)
        return Response(StaffVolunteerServiceSerializer(fresh).data, status=status.HTTP_201_CREATED)


ROUTES = [
    ("rewards", RewardViewSet, "reward"),
    ("volunteer-services", VolunteerServiceViewSet, "volunteer-service"),
]
