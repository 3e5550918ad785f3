"""REST API for mediation (/api/v1/mediations/, 第四章第三条 2; 第九章第二条 3).

- a resident sees the mediations it is a party of (either side; anyone else's id: 404): list, detail
  with the statements, create (request), POST ``statement`` (either party) and ``withdraw`` (requester);
- staff who read complaints (daily management team, administrator; oversight read-only) list every
  mediation with filters; the daily management team and the administrator POST ``schedule`` and ``close``.

Refusals: a wrong role → 403; bad input → 400 with the Chinese message per field; a step the status
does not allow → 409. Nothing of a mediation is ever public.
"""

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from opc_community.core.api import PersonSerializer
from opc_community.core.filters import IsoDateTimeFilter
from residents.access import RESIDENT, STAFF, audience, staff_or_resident
from residents.models import Mediation, MediationStatement, MediationStatus, Resident
from residents.rules import mediation as rules
from residents.selectors import mediation as selectors
from residents.services import complaints as complaint_services
from residents.services import mediation as services


class MediationStatementSerializer(serializers.ModelSerializer):
    party_display = serializers.CharField(source="get_party_display", read_only=True)

    class Meta:
        model = MediationStatement
        fields = ("id", "party", "party_display", "body", "at")
        read_only_fields = fields


class MediationSerializer(serializers.ModelSerializer):
    """A mediation with both parties (by name), its deadlines, session and outcome."""

    requester = PersonSerializer(read_only=True)
    respondent = PersonSerializer(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    next_steps = serializers.SerializerMethodField(help_text="After a failed mediation: where to go next (第九章第三条).")

    class Meta:
        model = Mediation
        fields = (
            "id", "requester", "respondent", "status", "status_display", "filed_at", "schedule_due_at",
            "close_due_at", "due_provisional", "session_at", "session_place", "requester_attended",
            "respondent_attended", "outcome", "closed_at", "next_steps",
        )
        read_only_fields = fields

    def get_next_steps(self, mediation: Mediation) -> str:
        return rules.next_steps_text() if mediation.status == MediationStatus.FAILED else ""


class MediationDetailSerializer(MediationSerializer):
    statements = MediationStatementSerializer(source="thread", many=True, read_only=True)

    class Meta(MediationSerializer.Meta):
        fields = (*MediationSerializer.Meta.fields, "facts", "wish", "statements")
        read_only_fields = fields


class MediationRequestSerializer(serializers.Serializer):
    respondent = serializers.PrimaryKeyRelatedField(
        label=_("other party"), queryset=Resident.objects.filter(status__in=services.PARTIES)
    )
    facts = serializers.CharField(label=pgettext_lazy("mediation", "what happened"), max_length=services.TEXT_MAX_LENGTH)
    wish = serializers.CharField(label=_("what you want"), max_length=services.TEXT_MAX_LENGTH)


class MediationTextSerializer(serializers.Serializer):
    text = serializers.CharField(label=_("your statement"), max_length=services.TEXT_MAX_LENGTH)


class MediationReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("reason"), max_length=services.TEXT_MAX_LENGTH)


class MediationScheduleSerializer(serializers.Serializer):
    session_at = serializers.DateTimeField(label=_("session time"))
    place = serializers.CharField(label=_("session place"), max_length=services.PLACE_MAX_LENGTH)


class MediationCloseSerializer(serializers.Serializer):
    requester_attended = serializers.BooleanField(label=_("requester attended"))
    respondent_attended = serializers.BooleanField(label=_("other party attended"))
    agreed = serializers.BooleanField(label=_("agreement reached"))
    outcome = serializers.CharField(label=_("agreement or reason it failed"), max_length=services.TEXT_MAX_LENGTH)


class MediationFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=MediationStatus.choices)
    resident = filters.NumberFilter(method="filter_resident", label=_("resident (either party)"))
    filed_after = IsoDateTimeFilter(field_name="filed_at", lookup_expr="gte")
    filed_before = IsoDateTimeFilter(field_name="filed_at", lookup_expr="lt")
    overdue = filters.BooleanFilter(method="filter_overdue", label=_("a deadline is overdue"))

    class Meta:
        model = Mediation
        fields = ("status",)

    def filter_resident(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(Q(requester_id=value) | Q(respondent_id=value))

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        now = timezone.now()
        condition = selectors.schedule_overdue_q(now) | selectors.close_overdue_q(now)
        return queryset.filter(condition) if value else queryset.exclude(condition)


MediationAccess = staff_or_resident(complaint_services.is_reader)
_DETAIL_ACTIONS = {"retrieve", "create", "withdraw", "schedule", "close"}


class MediationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Mediations (调解): schedule within 5 working days, close within 15 (rule data; 第四章第三条).

    Residents: the mediations they are a party of. Staff: every mediation, filterable by status,
    resident (either party), request time and overdue deadlines.
    """

    permission_classes = [MediationAccess]
    filterset_class = MediationFilter

    def get_queryset(self) -> QuerySet[Mediation]:
        if getattr(self, "swagger_fake_view", False):
            return Mediation.objects.none()
        if audience(self.request) == STAFF:
            queryset = selectors.mediation_queue()
        else:
            queryset = selectors.mediations_of(self.request.resident)
        if self.action in _DETAIL_ACTIONS:
            queryset = selectors.with_statements(queryset)
        return queryset

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return MediationSerializer if self.action == "list" else MediationDetailSerializer

    def _require(self, *, resident: bool = False, handler: bool = False) -> None:
        if resident and audience(self.request) != RESIDENT:
            raise PermissionDenied(_("Only a party of the mediation can do this."))
        if handler and not complaint_services.is_handler(self.request.user):
            raise PermissionDenied(
                _("Only the daily management team or the administrator handles mediations (Chapter 4, Article 3).")
            )

    def _answer(self, mediation: Mediation, *, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=mediation.pk)
        return Response(MediationDetailSerializer(fresh).data, status=code)

    @extend_schema(request=MediationRequestSerializer, responses={201: MediationDetailSerializer})
    def create(self, request: Request) -> Response:
        """Ask for mediation (residents): the other party, what happened, what you want."""
        self._require(resident=True)
        data = MediationRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mediation = services.mediation_request(requester=request.resident, actor=request.user, **data.validated_data)
        return self._answer(mediation, code=status.HTTP_201_CREATED)

    @extend_schema(request=MediationTextSerializer, responses={201: MediationStatementSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def statement(self, request: Request, pk: str | None = None) -> Response:
        """A party adds its side or more facts, while the mediation is not closed."""
        self._require(resident=True)
        data = MediationTextSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        statement = services.mediation_statement(
            mediation=self.get_object(), text=data.validated_data["text"], actor=request.user
        )
        return Response(MediationStatementSerializer(statement).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MediationReasonSerializer, responses=MediationDetailSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """The requester withdraws the request."""
        self._require(resident=True)
        data = MediationReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mediation = services.mediation_withdraw(
            mediation=self.get_object(), reason=data.validated_data["reason"], actor=request.user
        )
        return self._answer(mediation)

    @extend_schema(request=MediationScheduleSerializer, responses=MediationDetailSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def schedule(self, request: Request, pk: str | None = None) -> Response:
        """Schedule or move the session (staff): time and place; both parties are told."""
        self._require(handler=True)
        data = MediationScheduleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mediation = services.mediation_schedule(
            mediation=self.get_object(), session_at=data.validated_data["session_at"],
            place=data.validated_data["place"], actor=request.user,
        )
        return self._answer(mediation)

    @extend_schema(request=MediationCloseSerializer, responses=MediationDetailSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def close(self, request: Request, pk: str | None = None) -> Response:
        """Record the session (staff): attendance, agreement reached or not; the mediation is closed."""
        self._require(handler=True)
        data = MediationCloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mediation = services.mediation_close(mediation=self.get_object(), actor=request.user, **data.validated_data)
        return self._answer(mediation)


ROUTES = [("mediations", MediationViewSet, "mediation")]
