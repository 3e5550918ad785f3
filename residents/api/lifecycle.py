"""REST API of the term and exits (/api/v1/residents/, /api/v1/exits/, /api/v1/renewals/; 第三章第三条至第五条).

Two audiences on each resource:

- a resident sees its own record, exits and renewal requests only (another resident's
  id: 404); it POSTs a voluntary exit application or a renewal request, and withdraws them;
- staff (every operations group reads; oversight read-only) list everything with filters;
  those holding the model permission act: exits — ``confirm``, ``cancel``, ``clear``
  (``residents.change_exit`` / ``residents.add_exitclearance``: the daily management
  team, intake, the administrator); renewals — ``direction``, ``approve``, ``refuse``
  (``residents.change_renewalrequest``: intake, the administrator).

Refusals: wrong role → 403; bad input → 400 with the Chinese message naming the field;
a step the status does not allow → 409 (``opc_community.core.api.exception_handler``).
"""

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from opc_community.accounts.permissions import is_staff_member
from opc_community.core.filters import DateFilter
from residents.access import RESIDENT, STAFF, audience, staff_or_resident
from residents.models import (
    ClearanceItem,
    Exit,
    ExitClearance,
    ExitKind,
    ExitStatus,
    RenewalRequest,
    RenewalStatus,
    Resident,
    ResidentStatus,
)
from residents.rules import term
from residents.selectors import lifecycle as selectors
from residents.services import lifecycle as services

LifecycleAccess = staff_or_resident(is_staff_member)


def _require_perm(request: Request, perm: str) -> None:
    if audience(request) != STAFF or not request.user.has_perm(perm):
        raise PermissionDenied(_("Only staff responsible for this may do it."))


def _require_resident(request: Request) -> None:
    if audience(request) != RESIDENT:
        raise PermissionDenied(_("Only the resident itself may do this."))


class ResidentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


# --- Residents ---------------------------------------------------------------------------------------


class ResidentSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    agreement_ends_on = serializers.DateField(read_only=True, allow_null=True)
    exit_kind = serializers.ChoiceField(choices=ExitKind.choices, read_only=True, allow_null=True)
    exit_status = serializers.ChoiceField(choices=ExitStatus.choices, read_only=True, allow_null=True)
    grace_ends_on = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Resident
        fields = ("id", "name", "status", "status_display", "checked_in_at", "exited_on", "retain_until",
                  "created_at", "agreement_ends_on", "exit_kind", "exit_status", "grace_ends_on")
        read_only_fields = fields


class ResidentFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ResidentStatus.choices)
    ending_before = DateFilter(method="filter_ending_before", label=_("agreement ends on or before"))
    in_grace = filters.BooleanFilter(method="filter_in_grace", label=_("in the grace period"))

    class Meta:
        model = Resident
        fields = ("status",)

    def filter_ending_before(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        return queryset.filter(agreement_ends_on__lte=value)

    def filter_in_grace(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        inside = selectors.in_grace(queryset, today=timezone.localdate())
        return inside if value else queryset.exclude(pk__in=inside.values("pk"))


class ResidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Residents with their agreement's end and the exit in progress. Staff: all, filterable by status,
    ``ending_before`` (a date) and ``in_grace``; a resident: its own record only."""

    permission_classes = [LifecycleAccess]
    serializer_class = ResidentSerializer
    filterset_class = ResidentFilter

    def get_queryset(self) -> QuerySet[Resident]:
        queryset = selectors.residents_for_staff(today=timezone.localdate()).order_by("name", "pk")
        if audience(self.request) == RESIDENT:
            return queryset.filter(pk=self.request.resident.pk)
        return queryset


# --- Exits -----------------------------------------------------------------------------------------------


class ClearanceSerializer(serializers.ModelSerializer):
    item_display = serializers.CharField(source="get_item_display", read_only=True)
    cleared_by_name = serializers.SerializerMethodField()

    class Meta:
        model = ExitClearance
        fields = ("item", "item_display", "note", "cleared_at", "cleared_by_name")
        read_only_fields = fields

    def get_cleared_by_name(self, clearance: ExitClearance) -> str:
        user = clearance.cleared_by
        return user.get_full_name() if user else ""


class ExitSerializer(serializers.ModelSerializer):
    resident = ResidentRefSerializer(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    deposit_outcome_display = serializers.CharField(source="get_deposit_outcome_display", read_only=True)
    days_after_grace = serializers.SerializerMethodField()
    clearances = ClearanceSerializer(many=True, read_only=True)

    class Meta:
        model = Exit
        fields = ("id", "resident", "kind", "kind_display", "status", "status_display", "reason", "requested_on",
                  "exit_on", "grace_ends_on", "days_after_grace", "deposit_outcome", "deposit_outcome_display",
                  "ban_years", "created_at", "completed_at", "clearances")
        read_only_fields = fields

    def get_days_after_grace(self, exit: Exit) -> int:
        if not exit.grace_ends_on or exit.status != ExitStatus.SCHEDULED:
            return 0
        return term.days_after(exit.grace_ends_on, timezone.localdate())


class VoluntaryExitSerializer(serializers.Serializer):
    exit_on = serializers.DateField(label=_("exit date"))
    reason = serializers.CharField(label=_("reason"), required=False, allow_blank=True, max_length=2000)


class LifecycleReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("reason"), max_length=2000)


class ClearSerializer(serializers.Serializer):
    item = serializers.ChoiceField(label=pgettext_lazy("exit clearance", "item"), choices=ClearanceItem.choices)
    note = serializers.CharField(label=_("note"), required=False, allow_blank=True, max_length=200)


class ExitFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=ExitKind.choices)
    status = filters.ChoiceFilter(choices=ExitStatus.choices)
    resident = filters.NumberFilter(field_name="resident_id")

    class Meta:
        model = Exit
        fields = ("kind", "status", "resident")


class ExitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Exits (第三章第四条) with their clearance checklist.

    Resident: its own exits; POST a voluntary exit application (``exit_on`` at least the notice
    period ahead, 15 days); POST ``withdraw`` before it is confirmed. Staff: all exits filterable
    by kind, status and resident; POST ``confirm``, ``cancel`` (reason), ``clear`` (item, note).
    """

    permission_classes = [LifecycleAccess]
    serializer_class = ExitSerializer
    filterset_class = ExitFilter

    def get_queryset(self) -> QuerySet[Exit]:
        queryset = Exit.objects.select_related("resident").prefetch_related("clearances__cleared_by").order_by(
            "-created_at", "-pk"
        )
        if audience(self.request) == RESIDENT:
            return queryset.filter(resident=self.request.resident)
        return queryset

    def _answer(self, exit: Exit, code: int = status.HTTP_200_OK) -> Response:
        fresh = Exit.objects.select_related("resident").prefetch_related("clearances__cleared_by").get(pk=exit.pk)
        return Response(ExitSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=VoluntaryExitSerializer, responses={201: ExitSerializer})
    def create(self, request: Request) -> Response:
        """A voluntary exit application by the resident (refused earlier than the notice period, with the
        earliest allowed date)."""
        _require_resident(request)
        data = VoluntaryExitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        exit = services.exit_request_voluntary(
            resident=request.resident, exit_on=data.validated_data["exit_on"],
            reason=data.validated_data.get("reason", ""), actor=request.user,
        )
        return self._answer(exit, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ExitSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        _require_resident(request)
        exit = services.exit_withdraw(exit=self.get_object(), actor=request.user)
        return self._answer(exit)

    @extend_schema(request=None, responses={200: ExitSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        _require_perm(request, "residents.change_exit")
        exit = services.exit_confirm(exit=self.get_object(), actor=request.user)
        return self._answer(exit)

    @extend_schema(request=LifecycleReasonSerializer, responses={200: ExitSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        _require_perm(request, "residents.change_exit")
        data = LifecycleReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        exit = services.exit_cancel(exit=self.get_object(), reason=data.validated_data["reason"], actor=request.user)
        return self._answer(exit)

    @extend_schema(request=ClearSerializer, responses={200: ExitSerializer})
    @action(detail=True, methods=["post"])
    def clear(self, request: Request, pk: str | None = None) -> Response:
        """Clear one checklist item; the exit completes when every item is cleared."""
        _require_perm(request, "residents.add_exitclearance")
        data = ClearSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        exit = self.get_object()
        services.exit_clear(exit=exit, item=data.validated_data["item"], note=data.validated_data.get("note", ""),
                            actor=request.user)
        return self._answer(exit)


# --- Renewals --------------------------------------------------------------------------------------------


class ConditionSerializer(serializers.Serializer):
    code = serializers.CharField()
    met = serializers.BooleanField(allow_null=True)
    title = serializers.CharField()
    explanation = serializers.CharField()
    article = serializers.CharField()


class RenewalSerializer(serializers.ModelSerializer):
    resident = ResidentRefSerializer(read_only=True)
    agreement_number = serializers.CharField(source="agreement.number", read_only=True)
    agreement_ends_on = serializers.DateField(source="agreement.ends_on", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    new_agreement_number = serializers.CharField(source="new_agreement.number", read_only=True, allow_null=True,
                                                 default=None)

    class Meta:
        model = RenewalRequest
        fields = ("id", "resident", "agreement_number", "agreement_ends_on", "status", "status_display", "note",
                  "requested_at", "direction_confirmed", "decided_at", "decision_reason", "new_agreement_number")
        read_only_fields = fields


class RenewalDetailSerializer(RenewalSerializer):
    """With the §4.3 conditions: live while the request is open, as recorded once decided."""

    conditions = serializers.SerializerMethodField()

    class Meta(RenewalSerializer.Meta):
        fields = (*RenewalSerializer.Meta.fields, "conditions")
        read_only_fields = fields

    @extend_schema_field(ConditionSerializer(many=True))
    def get_conditions(self, renewal: RenewalRequest) -> list[dict[str, Any]]:
        if renewal.status == RenewalStatus.REQUESTED:
            rows = selectors.renewal_conditions_for(
                resident=renewal.resident, agreement=renewal.agreement, today=timezone.localdate(),
                direction_confirmed=renewal.direction_confirmed,
            )
        else:
            rows = selectors.stored_conditions(renewal)
        return ConditionSerializer(rows, many=True).data


class RenewalCreateSerializer(serializers.Serializer):
    note = serializers.CharField(label=_("note"), required=False, allow_blank=True, max_length=2000)


class DirectionSerializer(serializers.Serializer):
    fits = serializers.BooleanField(label=_("the project still fits the community's direction"))


class EligibilitySerializer(serializers.Serializer):
    agreement_number = serializers.CharField(allow_null=True)
    agreement_ends_on = serializers.DateField(allow_null=True)
    opens_on = serializers.DateField(allow_null=True)
    can_request = serializers.BooleanField()
    why_not = serializers.CharField(allow_blank=True)
    conditions = ConditionSerializer(many=True)


class RenewalFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=RenewalStatus.choices)
    resident = filters.NumberFilter(field_name="resident_id")

    class Meta:
        model = RenewalRequest
        fields = ("status", "resident")


class RenewalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Renewal requests (第三章第三条). Resident: its own; GET ``eligibility`` (conditions and whether a
    request can be made now), POST a request, POST ``withdraw``. Staff: all; POST ``direction``
    (fits: true/false), ``approve`` (only when every condition is met), ``refuse`` (reason)."""

    permission_classes = [LifecycleAccess]
    filterset_class = RenewalFilter

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return RenewalSerializer if self.action == "list" else RenewalDetailSerializer

    def get_queryset(self) -> QuerySet[RenewalRequest]:
        queryset = RenewalRequest.objects.select_related("resident", "agreement", "new_agreement").order_by(
            "-requested_at", "-pk"
        )
        if audience(self.request) == RESIDENT:
            return queryset.filter(resident=self.request.resident)
        return queryset

    def _answer(self, renewal: RenewalRequest, code: int = status.HTTP_200_OK) -> Response:
        fresh = RenewalRequest.objects.select_related("resident", "agreement", "new_agreement").get(pk=renewal.pk)
        return Response(RenewalDetailSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=None, responses={200: EligibilitySerializer})
    @action(detail=False, methods=["get"], filterset_class=None)
    def eligibility(self, request: Request) -> Response:
        """The resident's renewal situation: the agreement, when requests open, each condition."""
        _require_resident(request)
        state = selectors.renewal_state(request.resident, today=timezone.localdate())
        return Response(EligibilitySerializer({
            "agreement_number": state.agreement.number if state.agreement else None,
            "agreement_ends_on": state.agreement.ends_on if state.agreement else None,
            "opens_on": state.opens_on,
            "can_request": state.can_request,
            "why_not": state.why_not,
            "conditions": state.conditions,
        }).data)

    @extend_schema(request=RenewalCreateSerializer, responses={201: RenewalDetailSerializer})
    def create(self, request: Request) -> Response:
        _require_resident(request)
        data = RenewalCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        renewal = services.renewal_request(resident=request.resident, note=data.validated_data.get("note", ""),
                                           actor=request.user)
        return self._answer(renewal, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: RenewalDetailSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        _require_resident(request)
        return self._answer(services.renewal_withdraw(renewal=self.get_object(), actor=request.user))

    @extend_schema(request=DirectionSerializer, responses={200: RenewalDetailSerializer})
    @action(detail=True, methods=["post"])
    def direction(self, request: Request, pk: str | None = None) -> Response:
        _require_perm(request, "residents.change_renewalrequest")
        data = DirectionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.renewal_confirm_direction(
            renewal=self.get_object(), fits=data.validated_data["fits"], actor=request.user))

    @extend_schema(request=None, responses={200: RenewalDetailSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        _require_perm(request, "residents.change_renewalrequest")
        return self._answer(services.renewal_approve(renewal=self.get_object(), actor=request.user))

    @extend_schema(request=LifecycleReasonSerializer, responses={200: RenewalDetailSerializer})
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, pk: str | None = None) -> Response:
        _require_perm(request, "residents.change_renewalrequest")
        data = LifecycleReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.renewal_refuse(
            renewal=self.get_object(), reason=data.validated_data["reason"], actor=request.user))


ROUTES = [
    ("residents", ResidentViewSet, "resident"),
    ("exits", ExitViewSet, "exit"),
    ("renewals", RenewalViewSet, "renewal"),
]
