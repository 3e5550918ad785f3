"""REST API of scenario matchmaking and policy help (第五章第二条).

- ``/scenarios/``: residents see the published scenarios and opportunities, staff every one (filters:
  kind, partner kind, open today); the partner by its name and kind — never its contact person;
- ``/scenario-interests/``: a resident lists its own, expresses interest (POST), changes the proposal
  (PATCH, until the deadline) and withdraws; staff read all (filters: status, scenario, kind) and record a
  step (``steps`` action: introduction, meeting, outcome with the amount);
- ``/policies/``: published policies (filters: kind, open today); ``follow`` / ``unfollow`` for a resident;
- ``/policy-help-requests/``: a resident's own (POST to ask, ``withdraw``); staff all (filters: status,
  policy, overdue) with ``accept``, ``submitted`` and ``decide``.

A resident never reads another's: the querysets start from ``request.resident`` (another's → 404).
A wrong role → 403; bad input → 400 with the Chinese message per field; an illegal step → 409.
"""

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

from residents.access import RESIDENT, STAFF, audience, staff_or_resident
from resources.models import (
    HelpStatus,
    InterestStatus,
    MatchStep,
    Outcome,
    PartnerKind,
    Policy,
    PolicyHelpRequest,
    PolicyKind,
    Scenario,
    ScenarioInterest,
    ScenarioKind,
    StepKind,
)
from resources.selectors import matchmaking as selectors
from resources.services import policies as policy_services
from resources.services import scenarios as services

# --- Serializers ---------------------------------------------------------------------------------------------


class ScenarioSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    partner_kind = serializers.CharField(source="partner.kind", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Scenario
        fields = ("id", "kind", "kind_display", "title", "industry", "description", "deadline", "partner_name",
                  "partner_kind", "published_at")


class MatchStepSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True)

    class Meta:
        model = MatchStep
        fields = ("id", "kind", "kind_display", "happened_on", "outcome", "outcome_display", "amount", "note")


class ScenarioInterestSerializer(serializers.ModelSerializer):
    scenario_title = serializers.CharField(source="scenario.title", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    steps = MatchStepSerializer(many=True, read_only=True)

    class Meta:
        model = ScenarioInterest
        fields = ("id", "scenario", "scenario_title", "resident", "proposal", "status", "status_display",
                  "submitted_at", "updated_at", "steps")


class InterestCreateSerializer(serializers.Serializer):
    scenario = serializers.PrimaryKeyRelatedField(queryset=Scenario.objects.filter(published_at__isnull=False))
    proposal = serializers.CharField(max_length=services.PROPOSAL_MAX_LENGTH)


class InterestUpdateSerializer(serializers.Serializer):
    proposal = serializers.CharField(max_length=services.PROPOSAL_MAX_LENGTH)


class StepCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=StepKind.choices)
    happened_on = serializers.DateField()
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False, allow_blank=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    note = serializers.CharField(max_length=services.NOTE_MAX_LENGTH, required=False, allow_blank=True)


class PolicySerializer(serializers.ModelSerializer):
    issuer_name = serializers.CharField(source="issuer.name", read_only=True, default=None)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Policy
        fields = ("id", "kind", "kind_display", "title", "issuer_name", "summary", "eligibility", "benefit",
                  "application_deadline", "published_at")


class HelpRequestSerializer(serializers.ModelSerializer):
    policy_title = serializers.CharField(source="policy.title", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    sla = serializers.SerializerMethodField()

    class Meta:
        model = PolicyHelpRequest
        fields = ("id", "policy", "policy_title", "resident", "question", "status", "status_display",
                  "requested_at", "response_due_at", "response_due_provisional", "sla", "accepted_at",
                  "submitted_on", "decided_on", "granted_amount", "staff_note")

    def get_sla(self, item: PolicyHelpRequest) -> str:
        return str(selectors.sla_of(item))


class HelpCreateSerializer(serializers.Serializer):
    policy = serializers.PrimaryKeyRelatedField(queryset=Policy.objects.filter(published_at__isnull=False))
    question = serializers.CharField(max_length=policy_services.QUESTION_MAX_LENGTH)


class HelpNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=policy_services.NOTE_MAX_LENGTH, required=False, allow_blank=True)


class HelpSubmittedSerializer(HelpNoteSerializer):
    submitted_on = serializers.DateField(required=False)


class HelpDecisionSerializer(HelpNoteSerializer):
    granted = serializers.BooleanField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    decided_on = serializers.DateField(required=False)


# --- Filters ---------------------------------------------------------------------------------------------------


def _open(queryset: QuerySet, value: bool | None, field: str) -> QuerySet:
    if value is None:
        return queryset
    today = timezone.localdate()
    open_ = queryset.filter(published_at__isnull=False, **{f"{field}__gte": today})
    return open_ if value else queryset.exclude(pk__in=open_.values("pk"))


class ScenarioFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=ScenarioKind.choices)
    partner_kind = filters.ChoiceFilter(field_name="partner__kind", choices=PartnerKind.choices)
    open = filters.BooleanFilter(method="filter_open", label=_("taking interest today"))

    class Meta:
        model = Scenario
        fields = ("kind", "partner_kind")

    def filter_open(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        return _open(queryset, value, "deadline")


class InterestFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=InterestStatus.choices)
    kind = filters.ChoiceFilter(field_name="scenario__kind", choices=ScenarioKind.choices)

    class Meta:
        model = ScenarioInterest
        fields = ("status", "scenario", "kind")


class PolicyFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=PolicyKind.choices)
    open = filters.BooleanFilter(method="filter_open", label=_("deadline not passed"))

    class Meta:
        model = Policy
        fields = ("kind",)

    def filter_open(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        return _open(queryset, value, "application_deadline")


class HelpRequestFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=HelpStatus.choices)
    overdue = filters.BooleanFilter(method="filter_overdue", label=_("response overdue"))

    class Meta:
        model = PolicyHelpRequest
        fields = ("status", "policy")

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        cutoff = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        overdue = queryset.filter(status=HelpStatus.REQUESTED, response_due_at__lt=cutoff)
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))


# --- Views -------------------------------------------------------------------------------------------------------

MatchmakingAccess = staff_or_resident(services.is_reader)


def _require_manager(request: Request) -> None:
    if not services.is_manager(request.user):
        raise PermissionDenied(_("Only the resources team or the administrator handles matchmaking."))


def _require_resident(request: Request) -> None:
    if audience(request) != RESIDENT:
        raise PermissionDenied(_("Only residents do this, for themselves."))


class ScenarioViewSet(viewsets.ReadOnlyModelViewSet):
    """Scenarios and opportunities: residents see the published ones, staff all (soonest deadline first)."""

    permission_classes = [MatchmakingAccess]
    serializer_class = ScenarioSerializer
    filterset_class = ScenarioFilter

    def get_queryset(self) -> QuerySet[Scenario]:
        if getattr(self, "swagger_fake_view", False):
            return Scenario.objects.none()
        base = (Scenario.objects.select_related("partner") if audience(self.request) == STAFF
                else selectors.published_scenarios())
        return base.order_by("deadline", "pk")


class InterestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Expressions of interest: a resident's own (express, change, withdraw); staff all (record steps)."""

    permission_classes = [MatchmakingAccess]
    serializer_class = ScenarioInterestSerializer
    filterset_class = InterestFilter

    def get_queryset(self) -> QuerySet[ScenarioInterest]:
        if getattr(self, "swagger_fake_view", False):
            return ScenarioInterest.objects.none()
        base = ScenarioInterest.objects.select_related("scenario").prefetch_related("steps").order_by(
            "-submitted_at", "-pk")
        if audience(self.request) == STAFF:
            return base
        return base.filter(resident=self.request.resident)

    def _answer(self, interest: ScenarioInterest, *, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=interest.pk)).data, status=code)

    @extend_schema(request=InterestCreateSerializer, responses={201: ScenarioInterestSerializer})
    def create(self, request: Request) -> Response:
        _require_resident(request)
        data = InterestCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        interest = services.interest_submit(scenario=data.validated_data["scenario"], resident=request.resident,
                                            proposal=data.validated_data["proposal"], actor=request.user)
        return self._answer(interest, code=status.HTTP_201_CREATED)

    @extend_schema(request=InterestUpdateSerializer, responses=ScenarioInterestSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        _require_resident(request)
        data = InterestUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.interest_update(interest=self.get_object(),
                                                     proposal=data.validated_data["proposal"], actor=request.user))

    @extend_schema(request=None, responses=ScenarioInterestSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        _require_resident(request)
        return self._answer(services.interest_withdraw(interest=self.get_object(), actor=request.user))

    @extend_schema(request=StepCreateSerializer, responses={201: ScenarioInterestSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def steps(self, request: Request, pk: str | None = None) -> Response:
        _require_manager(request)
        data = StepCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        interest = self.get_object()
        services.step_record(interest=interest, kind=data.validated_data["kind"],
                             happened_on=data.validated_data["happened_on"],
                             outcome=data.validated_data.get("outcome") or "", amount=data.validated_data.get("amount"),
                             note=data.validated_data.get("note", ""), actor=request.user)
        return self._answer(interest, code=status.HTTP_201_CREATED)


class PolicyViewSet(viewsets.ReadOnlyModelViewSet):
    """Policies: residents see the published ones, staff all; a resident follows and unfollows."""

    permission_classes = [MatchmakingAccess]
    serializer_class = PolicySerializer
    filterset_class = PolicyFilter

    def get_queryset(self) -> QuerySet[Policy]:
        if getattr(self, "swagger_fake_view", False):
            return Policy.objects.none()
        base = (Policy.objects.select_related("issuer") if audience(self.request) == STAFF
                else selectors.published_policies())
        return base.order_by("application_deadline", "pk")

    @extend_schema(request=None, responses=PolicySerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def follow(self, request: Request, pk: str | None = None) -> Response:
        _require_resident(request)
        policy = self.get_object()
        policy_services.interest_mark(policy=policy, resident=request.resident, actor=request.user)
        return Response(self.get_serializer(policy).data)

    @extend_schema(request=None, responses=PolicySerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def unfollow(self, request: Request, pk: str | None = None) -> Response:
        _require_resident(request)
        policy = self.get_object()
        policy_services.interest_unmark(policy=policy, resident=request.resident, actor=request.user)
        return Response(self.get_serializer(policy).data)


class HelpRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Requests for policy help: a resident's own (ask, withdraw); staff all (accept, submitted, decide)."""

    permission_classes = [MatchmakingAccess]
    serializer_class = HelpRequestSerializer
    filterset_class = HelpRequestFilter

    def get_queryset(self) -> QuerySet[PolicyHelpRequest]:
        if getattr(self, "swagger_fake_view", False):
            return PolicyHelpRequest.objects.none()
        base = PolicyHelpRequest.objects.select_related("policy")
        if audience(self.request) == STAFF:
            return base.order_by("response_due_at", "pk")
        return base.filter(resident=self.request.resident).order_by("-requested_at", "-pk")

    def _answer(self, item: PolicyHelpRequest, *, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=item.pk)).data, status=code)

    @extend_schema(request=HelpCreateSerializer, responses={201: HelpRequestSerializer})
    def create(self, request: Request) -> Response:
        _require_resident(request)
        data = HelpCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = policy_services.help_request(policy=data.validated_data["policy"], resident=request.resident,
                                            question=data.validated_data["question"], actor=request.user)
        return self._answer(item, code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=HelpRequestSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        _require_resident(request)
        return self._answer(policy_services.help_withdraw(request=self.get_object(), actor=request.user))

    @extend_schema(request=HelpNoteSerializer, responses=HelpRequestSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def accept(self, request: Request, pk: str | None = None) -> Response:
        _require_manager(request)
        data = HelpNoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(policy_services.help_accept(request=self.get_object(), note=data.validated_data.get(
            "note", ""), actor=request.user))

    @extend_schema(request=HelpSubmittedSerializer, responses=HelpRequestSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def submitted(self, request: Request, pk: str | None = None) -> Response:
        _require_manager(request)
        data = HelpSubmittedSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(policy_services.help_submit(
            request=self.get_object(), submitted_on=data.validated_data.get("submitted_on"),
            note=data.validated_data.get("note", ""), actor=request.user))

    @extend_schema(request=HelpDecisionSerializer, responses=HelpRequestSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def decide(self, request: Request, pk: str | None = None) -> Response:
        _require_manager(request)
        data = HelpDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(policy_services.help_decide(
            request=self.get_object(), granted=data.validated_data["granted"], amount=data.validated_data.get("amount"),
            decided_on=data.validated_data.get("decided_on"), note=data.validated_data.get("note", ""),
            actor=request.user))


ROUTES = [
    ("scenarios", ScenarioViewSet, "scenario"),
    ("scenario-interests", InterestViewSet, "scenario-interest"),
    ("policies", PolicyViewSet, "policy"),
    ("policy-help-requests", HelpRequestViewSet, "policy-help-request"),
]
