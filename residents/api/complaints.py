"""REST API for complaints and requests (/api/v1/complaints/, 第四章第四条).

Two audiences on one resource:

- a resident sees and acts on its own complaints only (another resident's id: 404):
  list, detail (internal notes never included), create (multipart, optional attachment),
  POST ``confirm`` / ``reopen`` / ``message``;
- staff who read complaints (daily management team, administrator; oversight read-only)
  list all of them with filters and read the whole thread, internal notes included;
  the daily management team and the administrator POST ``respond`` / ``solve`` /
  ``note`` / ``message``.

Refusals: a wrong role → 403; bad input → 400 with the Chinese message per field;
a step the status does not allow → 409 (``opc_community.core.api.exception_handler``).

Filing takes an optional ``Idempotency-Key`` header (opc_community.core.idempotency): a retry
with the same key and body files nothing twice and gets the first answer again. Without it,
the database still refuses a second identical open complaint of the resident (409).
"""

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
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

from opc_community.core.api import PersonSerializer
from opc_community.core.filters import IsoDateTimeFilter
from opc_community.core.idempotency import idempotent
from residents.access import RESIDENT, STAFF, audience, staff_or_resident
from residents.models import (
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintMessage,
    ComplaintStatus,
)
from residents.rules import complaints as rules
from residents.selectors import complaints as selectors
from residents.services import complaints as services

# --- Serializers ----------------------------------------------------------------------------------


#: Where a deadline stands (residents.rules.complaints.SlaState).
_SLA_FIELD = serializers.ChoiceField(
    choices=[(state.value, state.value) for state in rules.SlaState],
    help_text="met: done on or before the due day; late: done after it; pending: not done, still within "
    "the deadline; overdue: not done and the due day is over (第四章第四条).",
)


class ComplaintMessageSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    author_name = serializers.CharField(source="author.get_full_name", read_only=True)
    from_resident = serializers.SerializerMethodField()

    class Meta:
        model = ComplaintMessage
        fields = ("id", "kind", "kind_display", "author_name", "from_resident", "body", "at")
        read_only_fields = fields

    def get_from_resident(self, message: ComplaintMessage) -> bool:
        return message.author_id == message.complaint.resident.user_id


class ComplaintSerializer(serializers.ModelSerializer):
    """A complaint with both deadlines and where each stands (met / late / pending / overdue)."""

    category_display = serializers.CharField(source="get_category_display", read_only=True)
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    response_sla = serializers.SerializerMethodField()
    solution_sla = serializers.SerializerMethodField()
    attachment_url = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = (
            "id", "category", "category_display", "channel", "channel_display", "subject", "status",
            "status_display", "filed_at", "response_due_at", "solution_due_at", "due_provisional",
            "responded_at", "solved_at", "closed_at", "reopened_count", "response_sla", "solution_sla",
            "attachment_url",
        )
        read_only_fields = fields

    @extend_schema_field(_SLA_FIELD)
    def get_response_sla(self, complaint: Complaint) -> str:
        return rules.response_state(
            response_due_at=complaint.response_due_at, responded_at=complaint.responded_at, now=self._now()
        ).value

    @extend_schema_field(_SLA_FIELD)
    def get_solution_sla(self, complaint: Complaint) -> str:
        return rules.solution_state(
            solution_due_at=complaint.solution_due_at, solved_at=complaint.solved_at,
            solution_late=complaint.solution_late, now=self._now(),
        ).value

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_attachment_url(self, complaint: Complaint) -> str | None:
        if not complaint.attachment:
            return None
        url = reverse("residents:complaint_attachment", args=[complaint.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    def _now(self) -> Any:
        if "now" not in self.context:
            self.context["now"] = timezone.now()
        return self.context["now"]


class ComplaintDetailSerializer(ComplaintSerializer):
    """With the text and the thread (for a resident: without internal notes)."""

    messages = ComplaintMessageSerializer(source="thread", many=True, read_only=True)

    class Meta(ComplaintSerializer.Meta):
        fields = (*ComplaintSerializer.Meta.fields, "text", "messages")
        read_only_fields = fields


class StaffComplaintSerializer(ComplaintSerializer):
    resident = PersonSerializer(read_only=True)
    handled_by = serializers.CharField(source="assigned_to", read_only=True, allow_null=True)
    solution_late = serializers.BooleanField(read_only=True)

    class Meta(ComplaintSerializer.Meta):
        fields = (*ComplaintSerializer.Meta.fields, "resident", "handled_by", "solution_late")
        read_only_fields = fields


class StaffComplaintDetailSerializer(StaffComplaintSerializer):
    messages = ComplaintMessageSerializer(source="thread", many=True, read_only=True)

    class Meta(StaffComplaintSerializer.Meta):
        fields = (*StaffComplaintSerializer.Meta.fields, "text", "messages")
        read_only_fields = fields


class ComplaintCreateSerializer(serializers.Serializer):
    category = serializers.ChoiceField(label=_("category"), choices=ComplaintCategory.choices)
    subject = serializers.CharField(label=pgettext_lazy("complaint", "subject"), max_length=services.SUBJECT_MAX_LENGTH)
    text = serializers.CharField(label=_("details"), max_length=services.TEXT_MAX_LENGTH)
    attachment = serializers.FileField(label=_("attachment"), required=False)


class ComplaintTextSerializer(serializers.Serializer):
    text = serializers.CharField(label=_("what to say"), max_length=services.TEXT_MAX_LENGTH)


class ComplaintReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("reason"), max_length=services.TEXT_MAX_LENGTH)


class ConfirmSerializer(serializers.Serializer):
    comment = serializers.CharField(
        label=_("comment"), max_length=services.TEXT_MAX_LENGTH, required=False, allow_blank=True
    )


# --- Filters ----------------------------------------------------------------------------------------


class ComplaintFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ComplaintStatus.choices)
    category = filters.ChoiceFilter(choices=ComplaintCategory.choices)
    channel = filters.ChoiceFilter(choices=ComplaintChannel.choices)
    resident = filters.NumberFilter(field_name="resident_id")
    filed_after = IsoDateTimeFilter(field_name="filed_at", lookup_expr="gte")
    filed_before = IsoDateTimeFilter(field_name="filed_at", lookup_expr="lt")
    response_overdue = filters.BooleanFilter(method="filter_response_overdue", label=_("response overdue"))
    solution_overdue = filters.BooleanFilter(method="filter_solution_overdue", label=_("solution overdue"))

    class Meta:
        model = Complaint
        fields = ("status", "category", "channel", "resident")

    def filter_response_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        condition = selectors.response_overdue_q(timezone.now())
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_solution_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        condition = selectors.solution_overdue_q(timezone.now())
        return queryset.filter(condition) if value else queryset.exclude(condition)


# --- The resource -------------------------------------------------------------------------------------


ComplaintAccess = staff_or_resident(services.is_reader)


#: Actions that need the thread (detail-shaped answers).
_DETAIL_ACTIONS = {"retrieve", "create", "confirm", "reopen", "respond", "solve"}


class ComplaintViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Complaints and requests (诉求反馈): respond within 2 working days, solve within 7 (第四章第四条).

    Residents: their own complaints only. Staff: every complaint, filterable by status, category,
    channel, resident, filing time and overdue response or solution; sorted by the next deadline.
    """

    permission_classes = [ComplaintAccess]
    filterset_class = ComplaintFilter

    def get_queryset(self) -> QuerySet[Complaint]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return Complaint.objects.none()
        staff = audience(self.request) == STAFF
        if staff:
            queryset = selectors.complaint_queue(now=timezone.now())
        else:
            queryset = selectors.complaints_of(self.request.resident).select_related("resident")
        if self.action in _DETAIL_ACTIONS:
            queryset = selectors.complaint_with_thread(queryset, internal=staff)
        return queryset

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        staff = audience(self.request) == STAFF
        if self.action == "list":
            return StaffComplaintSerializer if staff else ComplaintSerializer
        return StaffComplaintDetailSerializer if staff else ComplaintDetailSerializer

    def _require(self, *, resident: bool = False, handler: bool = False) -> None:
        if resident and audience(self.request) != RESIDENT:
            raise PermissionDenied(_("Only the resident who filed the complaint can do this."))
        if handler and not services.is_handler(self.request.user):
            raise PermissionDenied(
                _("Only the daily management team or the administrator handles complaints (Chapter 4, Article 4).")
            )

    def _answer(self, complaint: Complaint, *, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=complaint.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    # --- The resident -----------------------------------------------------------------------

    @idempotent("residents.complaint_file")
    @extend_schema(request={"multipart/form-data": ComplaintCreateSerializer}, responses={201: ComplaintDetailSerializer})
    def create(self, request: Request) -> Response:
        """File a complaint (residents): category, subject, text, optional attachment (PDF/JPEG/PNG)."""
        self._require(resident=True)
        data = ComplaintCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = services.complaint_file(
            resident=request.resident, actor=request.user, **data.validated_data
        )
        return self._answer(complaint, code=status.HTTP_201_CREATED)

    @extend_schema(request=ConfirmSerializer, responses=ComplaintDetailSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        """The resident confirms the solution: the complaint is closed."""
        self._require(resident=True)
        data = ConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = services.complaint_confirm(
            complaint=self.get_object(), comment=data.validated_data.get("comment", ""), actor=request.user
        )
        return self._answer(complaint)

    @extend_schema(request=ComplaintReasonSerializer, responses=ComplaintDetailSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        """The resident reopens a solved complaint with a reason; a new solution deadline applies."""
        self._require(resident=True)
        data = ComplaintReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = services.complaint_reopen(
            complaint=self.get_object(), reason=data.validated_data["reason"], actor=request.user
        )
        return self._answer(complaint)

    @extend_schema(request=ComplaintTextSerializer, responses={201: ComplaintMessageSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def message(self, request: Request, pk: str | None = None) -> Response:
        """A message in the thread: from the resident, or from the daily management team to the resident."""
        if audience(self.request) == STAFF:
            self._require(handler=True)
        data = ComplaintTextSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.complaint_message(
            complaint=self.get_object(), text=data.validated_data["text"], actor=request.user
        )
        return Response(ComplaintMessageSerializer(message).data, status=status.HTTP_201_CREATED)

    # --- The daily management team ----------------------------------------------------------

    @extend_schema(request=ComplaintTextSerializer, responses=StaffComplaintDetailSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def respond(self, request: Request, pk: str | None = None) -> Response:
        """Respond (staff): awaiting response → responded; due within 2 working days."""
        self._require(handler=True)
        data = ComplaintTextSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = services.complaint_respond(
            complaint=self.get_object(), text=data.validated_data["text"], actor=request.user
        )
        return self._answer(complaint)

    @extend_schema(request=ComplaintTextSerializer, responses=StaffComplaintDetailSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def solve(self, request: Request, pk: str | None = None) -> Response:
        """Give a solution (staff); due within 7 working days of the filing or of the latest reopening."""
        self._require(handler=True)
        data = ComplaintTextSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = services.complaint_solve(
            complaint=self.get_object(), text=data.validated_data["text"], actor=request.user
        )
        return self._answer(complaint)

    @extend_schema(request=ComplaintTextSerializer, responses={201: ComplaintMessageSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def note(self, request: Request, pk: str | None = None) -> Response:
        """An internal note (staff): never shown to the resident."""
        self._require(handler=True)
        data = ComplaintTextSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.complaint_note(
            complaint=self.get_object(), text=data.validated_data["text"], actor=request.user
        )
        return Response(ComplaintMessageSerializer(message).data, status=status.HTTP_201_CREATED)


ROUTES = [("complaints", ComplaintViewSet, "complaint")]
