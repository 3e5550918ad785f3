"""REST API of the start-up services and the service-quality survey (第五章第三条、第四条).

- ``/stage-services/``: the catalogue (offered services; staff see every one); filter: stage;
- ``/service-requests/``: a resident lists its own, requests a service (POST), ``cancel`` and ``rate``;
  the resources team and the administrator read every request and ``assign``, ``respond``, ``close``;
  filters: status, service, stage, overdue, filed_after/filed_before;
- ``/service-surveys/``: the surveys (quarter, dates, questions); a resident ``answer``s the open one
  once (409 for a second answer); staff read ``results`` — per service area beside the previous quarter,
  only for groups of at least ``surveys.min_group_size`` answers, never per resident.

A resident never reads another's request: the querysets start from ``request.resident`` (another's → 404).
Refusals: a wrong role → 403; bad input → 400 with the Chinese message per field; an illegal step → 409.
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

from opc_community.accounts.models import User
from opc_community.core.filters import IsoDateTimeFilter
from residents.access import RESIDENT, STAFF, audience, staff_or_resident
from resources.models import RequestStatus, ServiceRequest, ServiceStage, StageService, Survey
from resources.selectors import stage as selectors
from resources.selectors import surveys as survey_selectors
from resources.services import stage as services
from resources.services import surveys as survey_services


def _is_reader(user: Any) -> bool:
    from resources.services.vouchers import is_reader

    return is_reader(user)


StageAccess = staff_or_resident(_is_reader)


class StageServiceSerializer(serializers.ModelSerializer):
    stage_display = serializers.CharField(source="get_stage_display", read_only=True)

    class Meta:
        model = StageService
        fields = ("id", "stage", "stage_display", "code", "title", "description", "order", "is_active")


class ServiceRequestSerializer(serializers.ModelSerializer):
    service_title = serializers.CharField(source="service.title", read_only=True)
    stage = serializers.CharField(source="service.stage", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    handler_name = serializers.SerializerMethodField()
    response_sla = serializers.SerializerMethodField()
    resolution_sla = serializers.SerializerMethodField()

    class Meta:
        model = ServiceRequest
        fields = ("id", "service", "service_title", "stage", "resident", "need", "status", "status_display",
                  "handler", "handler_name", "filed_at", "response_due_at", "resolution_due_at", "due_provisional",
                  "response_sla", "resolution_sla", "responded_at", "response", "closed_at", "result",
                  "cancelled_at", "cancel_reason", "rating", "rating_comment", "rated_at")

    def get_handler_name(self, item: ServiceRequest) -> str | None:
        return (item.handler.get_full_name() or item.handler.username) if item.handler_id else None

    def get_response_sla(self, item: ServiceRequest) -> str:
        return str(selectors.sla_states(item)[0])

    def get_resolution_sla(self, item: ServiceRequest) -> str | None:
        state = selectors.sla_states(item)[1]
        return None if state is None else str(state)


class ServiceRequestCreateSerializer(serializers.Serializer):
    service = serializers.PrimaryKeyRelatedField(queryset=StageService.objects.filter(is_active=True))
    need = serializers.CharField(max_length=services.TEXT_MAX_LENGTH)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=services.REASON_MAX_LENGTH, required=False, allow_blank=True)


class RateSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=services.TEXT_MAX_LENGTH, required=False, allow_blank=True)


class AssignSerializer(serializers.Serializer):
    handler = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))


class RespondSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=services.TEXT_MAX_LENGTH)


class CloseSerializer(serializers.Serializer):
    result = serializers.CharField(max_length=services.TEXT_MAX_LENGTH)


class StageServiceFilter(filters.FilterSet):
    stage = filters.ChoiceFilter(choices=ServiceStage.choices)

    class Meta:
        model = StageService
        fields = ("stage", "is_active")


class ServiceRequestFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=RequestStatus.choices)
    stage = filters.ChoiceFilter(field_name="service__stage", choices=ServiceStage.choices)
    overdue = filters.BooleanFilter(method="filter_overdue", label=_("a deadline is overdue"))
    filed_after = IsoDateTimeFilter(field_name="filed_at", lookup_expr="gte")
    filed_before = IsoDateTimeFilter(field_name="filed_at", lookup_expr="lt")

    class Meta:
        model = ServiceRequest
        fields = ("status", "service", "handler")

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        q = selectors.overdue_q(timezone.now())
        return queryset.filter(q) if value else queryset.exclude(q)


class StageServiceViewSet(viewsets.ReadOnlyModelViewSet):
    """The catalogue of start-up services by stage (第五章第三条)."""

    permission_classes = [StageAccess]
    serializer_class = StageServiceSerializer
    filterset_class = StageServiceFilter

    def get_queryset(self) -> QuerySet[StageService]:
        if getattr(self, "swagger_fake_view", False) or audience(self.request) == STAFF:
            return StageService.objects.order_by("stage", "order", "pk")
        return selectors.offered().order_by("stage", "order", "pk")


def _require_handler(request: Request) -> None:
    if not services.is_handler(request.user):
        raise PermissionDenied(_("Only the resources team or the administrator handles service requests."))


class ServiceRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Service requests: a resident's own (request, cancel, rate); staff handle them (assign, respond, close)."""

    permission_classes = [StageAccess]
    serializer_class = ServiceRequestSerializer
    filterset_class = ServiceRequestFilter

    def get_queryset(self) -> QuerySet[ServiceRequest]:
        if getattr(self, "swagger_fake_view", False):
            return ServiceRequest.objects.none()
        if audience(self.request) == STAFF:
            return selectors.queue()
        return selectors.requests_of(self.request.resident).order_by("-filed_at", "-pk")

    def _answer(self, item: ServiceRequest, *, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=item.pk)).data, status=code)

    def _own(self, request: Request) -> ServiceRequest:
        item = self.get_object()
        if item.resident.user_id != request.user.pk:
            raise PermissionDenied(_("Only the resident who requested the service does this."))
        return item

    @extend_schema(request=ServiceRequestCreateSerializer, responses={201: ServiceRequestSerializer})
    def create(self, request: Request) -> Response:
        """Request a service (residents): the service and what is needed."""
        if audience(request) != RESIDENT:
            raise PermissionDenied(_("Only residents request services, for themselves."))
        data = ServiceRequestCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.request_submit(service=data.validated_data["service"], resident=request.resident,
                                       need=data.validated_data["need"], actor=request.user)
        return self._answer(item, code=status.HTTP_201_CREATED)

    @extend_schema(request=CancelSerializer, responses=ServiceRequestSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        item = self._own(request)  # who may, before what is sent: anyone else gets 403, not 400
        data = CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.request_cancel(request=item, actor=request.user,
                                                    reason=data.validated_data.get("reason", "")))

    @extend_schema(request=RateSerializer, responses=ServiceRequestSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def rate(self, request: Request, pk: str | None = None) -> Response:
        item = self._own(request)
        data = RateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.request_rate(request=item, rating=data.validated_data["rating"],
                                                  comment=data.validated_data.get("comment", ""), actor=request.user))

    @extend_schema(request=AssignSerializer, responses=ServiceRequestSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def assign(self, request: Request, pk: str | None = None) -> Response:
        _require_handler(request)
        data = AssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.request_assign(request=self.get_object(), handler=data.validated_data["handler"],
                                                    actor=request.user))

    @extend_schema(request=RespondSerializer, responses=ServiceRequestSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def respond(self, request: Request, pk: str | None = None) -> Response:
        _require_handler(request)
        data = RespondSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.request_respond(request=self.get_object(), text=data.validated_data["text"],
                                                     actor=request.user))

    @extend_schema(request=CloseSerializer, responses=ServiceRequestSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def close(self, request: Request, pk: str | None = None) -> Response:
        _require_handler(request)
        data = CloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.request_close(request=self.get_object(), result=data.validated_data["result"],
                                                   actor=request.user))


# --- Surveys ---------------------------------------------------------------------------------------------------


class SurveySerializer(serializers.ModelSerializer):
    answered = serializers.SerializerMethodField()

    class Meta:
        model = Survey
        fields = ("id", "year", "quarter", "opens_on", "closes_on", "scale_max", "questions", "answered")

    def get_answered(self, survey: Survey) -> bool | None:
        """For a resident: whether it answered this survey (never what); None for staff."""
        answered = self.context.get("answered")
        return None if answered is None else survey.pk in answered


class SurveyAnswerSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField(allow_null=True)),
        help_text=_("Service area → question → answer (1 … scale); null or left out: a service not used."),
    )


class ResultSerializer(serializers.Serializer):
    answers = serializers.IntegerField()
    average = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)


class AreaResultSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    current = serializers.SerializerMethodField()
    previous = serializers.SerializerMethodField()

    def get_current(self, row: Any) -> dict:
        return {"answers": row.current.area.answers, "average": row.current.area.average}

    def get_previous(self, row: Any) -> dict | None:
        if row.previous is None:
            return None
        return {"answers": row.previous.area.answers, "average": row.previous.area.average}


class SurveyFilter(filters.FilterSet):
    class Meta:
        model = Survey
        fields = ("year", "quarter")


class SurveyViewSet(viewsets.ReadOnlyModelViewSet):
    """The quarterly service-quality surveys (第五章第四条), newest first."""

    permission_classes = [StageAccess]
    serializer_class = SurveySerializer
    filterset_class = SurveyFilter

    def get_queryset(self) -> QuerySet[Survey]:
        return Survey.objects.order_by("-year", "-quarter")

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False) and audience(self.request) == RESIDENT:
            context["answered"] = set(self.request.resident.survey_responses.values_list("survey_id", flat=True))
        return context

    @extend_schema(request=SurveyAnswerSerializer, responses={201: SurveySerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def answer(self, request: Request, pk: str | None = None) -> Response:
        """Answer the survey (residents, once per quarter; 409 for a second answer)."""
        if audience(request) != RESIDENT:
            raise PermissionDenied(_("Only residents answer the survey."))
        data = SurveyAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        survey = self.get_object()
        survey_services.survey_answer(survey=survey, resident=request.resident,
                                      answers=data.validated_data["answers"], actor=request.user)
        return Response(self.get_serializer(survey).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=AreaResultSerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def results(self, request: Request, pk: str | None = None) -> Response:
        """Results per service area beside the previous quarter (staff), for groups of at least N answers."""
        if audience(request) != STAFF:
            raise PermissionDenied(_("Survey results are for staff; the summary is on the notice board."))
        rows, _previous, _now, _before = survey_selectors.comparison(self.get_object())
        return Response(AreaResultSerializer(rows, many=True).data)


ROUTES = [
    ("stage-services", StageServiceViewSet, "stage-service"),
    ("service-requests", ServiceRequestViewSet, "service-request"),
    ("service-surveys", SurveyViewSet, "service-survey"),
]
