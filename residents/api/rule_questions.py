"""REST API for questions about the rules (/api/v1/rule-questions/, 第九章第五条) and the FAQ (/api/v1/rule-faq/).

- a resident: its own questions (another resident's id: 404), create;
- staff who read complaints: every question with filters (topic, status, overdue); the daily management
  team and the administrator POST ``answer`` and ``publish`` (an FAQ entry on the notice board,
  refused with 400 ``personal_data`` while its texts hold personal data);
- the FAQ: every logged-in user reads it (it is public on the notice board too).
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
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from opc_community.core.api import PersonSerializer
from opc_community.core.filters import IsoDateTimeFilter
from residents.access import RESIDENT, STAFF, audience, staff_or_resident
from residents.models import QuestionStatus, RuleFaq, RuleQuestion
from residents.selectors import rule_questions as selectors
from residents.services import complaints as complaint_services
from residents.services import rule_questions as services


class RuleQuestionSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    answer_sla = serializers.SerializerMethodField(help_text="met, late, pending or overdue (as for complaints).")

    class Meta:
        model = RuleQuestion
        fields = (
            "id", "topic", "topic_label", "text", "status", "status_display", "asked_at", "answer_due_at",
            "due_provisional", "answer", "answered_at", "answer_sla",
        )
        read_only_fields = fields

    def get_answer_sla(self, question: RuleQuestion) -> str:
        if "now" not in self.context:
            self.context["now"] = timezone.now()
        return selectors.answer_state(question, now=self.context["now"]).value


class StaffRuleQuestionSerializer(RuleQuestionSerializer):
    resident = PersonSerializer(read_only=True)

    class Meta(RuleQuestionSerializer.Meta):
        fields = (*RuleQuestionSerializer.Meta.fields, "resident")
        read_only_fields = fields


class RuleQuestionCreateSerializer(serializers.Serializer):
    topic = serializers.CharField(label=_("rule topic"), max_length=40, help_text="violation:<kind>, reward:<type> or other")
    text = serializers.CharField(label=_("question"), max_length=services.TEXT_MAX_LENGTH)


class RuleAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(label=_("your answer"), max_length=services.TEXT_MAX_LENGTH)


class RuleFaqPublishSerializer(serializers.Serializer):
    faq_question = serializers.CharField(label=_("question as published"), max_length=services.TEXT_MAX_LENGTH)
    faq_answer = serializers.CharField(label=_("answer as published"), max_length=services.TEXT_MAX_LENGTH)


class RuleFaqSerializer(serializers.ModelSerializer):
    publication = serializers.IntegerField(source="publication_id", read_only=True)

    class Meta:
        model = RuleFaq
        fields = ("id", "topic", "topic_label", "question", "answer", "published_at", "publication")
        read_only_fields = fields


class RuleQuestionFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=QuestionStatus.choices)
    topic = filters.CharFilter()
    resident = filters.NumberFilter(field_name="resident_id")
    asked_after = IsoDateTimeFilter(field_name="asked_at", lookup_expr="gte")
    asked_before = IsoDateTimeFilter(field_name="asked_at", lookup_expr="lt")
    overdue = filters.BooleanFilter(method="filter_overdue", label=_("answer overdue"))

    class Meta:
        model = RuleQuestion
        fields = ("status", "topic", "resident")

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        condition = selectors.answer_overdue_q(timezone.now())
        return queryset.filter(condition) if value else queryset.exclude(condition)


RuleQuestionAccess = staff_or_resident(complaint_services.is_reader)


class RuleQuestionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Questions about the reward and penalty rules (答疑, 第九章第五条): answered within 5 working days."""

    permission_classes = [RuleQuestionAccess]
    filterset_class = RuleQuestionFilter

    def get_queryset(self) -> QuerySet[RuleQuestion]:
        if getattr(self, "swagger_fake_view", False):
            return RuleQuestion.objects.none()
        if audience(self.request) == STAFF:
            return selectors.question_queue()
        return selectors.questions_of(self.request.resident)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return StaffRuleQuestionSerializer if audience(self.request) == STAFF else RuleQuestionSerializer

    def _require_handler(self) -> None:
        if not complaint_services.is_handler(self.request.user):
            raise PermissionDenied(
                _("Only the daily management team or the administrator answers questions about the rules "
                  "(Chapter 9, Article 5).")
            )

    @extend_schema(request=RuleQuestionCreateSerializer, responses={201: RuleQuestionSerializer})
    def create(self, request: Request) -> Response:
        """Ask a question (residents): a topic (see the portal's list) and the question."""
        if audience(request) != RESIDENT:
            raise PermissionDenied(_("Only a resident can ask in the portal."))
        data = RuleQuestionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        question = services.question_ask(resident=request.resident, actor=request.user, **data.validated_data)
        return Response(RuleQuestionSerializer(question).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RuleAnswerSerializer, responses=StaffRuleQuestionSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def answer(self, request: Request, pk: str | None = None) -> Response:
        """Answer (staff); the resident is told."""
        self._require_handler()
        data = RuleAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        question = services.question_answer(
            question=self.get_object(), text=data.validated_data["answer"], actor=request.user
        )
        return Response(StaffRuleQuestionSerializer(self.get_queryset().get(pk=question.pk)).data)

    @extend_schema(request=RuleFaqPublishSerializer, responses={201: RuleFaqSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def publish(self, request: Request, pk: str | None = None) -> Response:
        """Publish an FAQ entry from an answered question (staff); texts without personal data."""
        self._require_handler()
        data = RuleFaqPublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.faq_publish(question=self.get_object(), actor=request.user, **data.validated_data)
        return Response(RuleFaqSerializer(entry).data, status=status.HTTP_201_CREATED)


class RuleFaqViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The published FAQ about the rules (every logged-in user; also on the public notice board)."""

    permission_classes = [IsAuthenticated]
    serializer_class = RuleFaqSerializer
    filterset_fields: Any = ("topic",)

    def get_queryset(self) -> QuerySet[RuleFaq]:
        return selectors.faq_entries()


ROUTES = [
    ("rule-questions", RuleQuestionViewSet, "rule-question"),
    ("rule-faq", RuleFaqViewSet, "rule-faq"),
]
