"""REST API of the 处罚流程 (/api/v1/cases/, /api/v1/appeals/; 第八章第二条).

Two audiences on one resource:

- a resident reads its own cases only (another resident's id: 404) — with the notice, the measures and
  the rule behind them, what the next same-kind violation brings, and the appeal window — and asks for
  review of its own published penalty (POST /appeals/, multipart with optional evidence files);
- staff with the view permission (administrator, oversight; the daily management team once granted)
  list and filter every case (status, kind, resident, behind schedule); staff with the change
  permission open cases and POST the steps ``verify`` / ``dismiss`` / ``notice`` / ``rectified`` /
  ``not_rectified``; only the administrator POSTs ``decide`` / ``publish`` and answers appeals.

Refusals: a wrong role → 403; bad input → 400 with the Chinese message naming the field; a step the
status does not allow → 409 (``opc_community.core.api.exception_handler``).
"""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from discipline.models import (
    Appeal,
    AppealStatus,
    CaseStatus,
    PenaltyMeasure,
    RectificationNotice,
    ViolationCase,
)
from discipline.selectors import cases as selectors
from discipline.services import appeals as appeal_services
from discipline.services import cases as services
from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.core.api import PersonSerializer
from opc_community.core.filters import DateFilter
from residents.access import RESIDENT, STAFF, audience, staff_or_resident
from residents.models import Resident


def _is_reader(user: Any) -> bool:
    return bool(user.is_staff and user.has_perm("discipline.view_violationcase"))


def _is_handler(user: Any) -> bool:
    return bool(user.is_staff and user.has_perm("discipline.change_violationcase"))


CaseAccess = staff_or_resident(_is_reader)


# --- Serializers ---------------------------------------------------------------------------------------


class NoticeSerializer(serializers.ModelSerializer):
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = RectificationNotice
        fields = ("number", "requirement", "deadline", "issued_at", "rectified_at", "result_note", "pdf_url")
        read_only_fields = fields

    @extend_schema_field(serializers.URLField())
    def get_pdf_url(self, notice: RectificationNotice) -> str:
        url = reverse("discipline:notice_pdf", args=[notice.case_id])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class MeasureSerializer(serializers.ModelSerializer):
    text = serializers.SerializerMethodField(help_text="The measure in plain words (Chinese).")
    invoice_number = serializers.CharField(source="invoice.number", read_only=True, allow_null=True, default=None)

    class Meta:
        model = PenaltyMeasure
        fields = ("id", "type", "text", "amount", "scope", "days", "until_paid", "ban_years", "applied_at",
                  "invoice_number", "note")
        read_only_fields = fields

    def get_text(self, measure: PenaltyMeasure) -> str:
        return getattr(measure, "text", None) or selectors.describe_measure(measure)


class AppealSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Appeal
        fields = ("id", "case", "case_number", "reason", "submitted_at", "answer_due_at", "due_provisional",
                  "status", "status_display", "decided_at", "answer")
        read_only_fields = fields


class _AppealInCase(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Appeal
        fields = ("id", "reason", "submitted_at", "answer_due_at", "status", "status_display", "decided_at", "answer")
        read_only_fields = fields


class CaseSerializer(serializers.ModelSerializer):
    """A case as its resident sees it; ``rule_text`` and ``next_step`` come from the rulebook (第八章第二条)."""

    status_display = serializers.CharField(source="get_status_display", read_only=True)
    kind_display = serializers.CharField(source="kind_text", read_only=True)
    notice = serializers.SerializerMethodField()
    measures = MeasureSerializer(source="measure_list", many=True, read_only=True)
    appeals = _AppealInCase(source="appeal_list", many=True, read_only=True)
    rule_text = serializers.CharField(read_only=True)
    next_step = serializers.CharField(read_only=True, help_text="What the next same-kind violation brings.")
    appeal_window_ends_at = serializers.DateTimeField(source="window_end", read_only=True, allow_null=True)
    can_appeal = serializers.BooleanField(read_only=True)
    notice_working_days_left = serializers.IntegerField(source="notice_days_left", read_only=True, allow_null=True)

    class Meta:
        model = ViolationCase
        fields = (
            "id", "number", "kind", "kind_display", "occurred_on", "facts", "measure", "flags", "status",
            "status_display", "same_kind_count", "rulebook_version", "notice", "notice_working_days_left",
            "measures", "rule_text", "next_step", "appeal_window_ends_at", "can_appeal", "appeals",
            "decided_at", "confirmed_at", "annulled_at",
        )
        read_only_fields = fields

    @extend_schema_field(NoticeSerializer(allow_null=True))
    def get_notice(self, case: ViolationCase) -> dict | None:
        notice = selectors.notice_or_none(case)
        return NoticeSerializer(notice, context=self.context).data if notice else None


class StaffCaseSerializer(CaseSerializer):
    resident = PersonSerializer(read_only=True, allow_null=True, help_text="Null: a case against an occupant.")
    found_by = serializers.CharField(read_only=True, allow_null=True)
    decided_by = serializers.CharField(read_only=True, allow_null=True)

    class Meta(CaseSerializer.Meta):
        fields = (*CaseSerializer.Meta.fields, "resident", "occupant_name", "occupant_id_number", "occupant_phone",
                  "occupant_description", "flag_reason", "dismissal_reason", "source_key",
                  "found_by", "found_at", "verified_at", "decided_by")
        read_only_fields = fields


class CaseOpenSerializer(serializers.Serializer):
    """Against a resident (``resident``) or — kind 1a only — an occupant who is not one (``occupant_*``)."""

    resident = serializers.PrimaryKeyRelatedField(label=_("resident"), queryset=Resident.objects.all(),
                                                  required=False, allow_null=True)
    occupant_name = serializers.CharField(label=_("occupant's name"), max_length=60, required=False,
                                          allow_blank=True, default="")
    occupant_id_number = serializers.CharField(label=_("occupant's ID card number"), max_length=40, required=False,
                                               allow_blank=True, default="")
    occupant_phone = serializers.CharField(label=_("occupant's phone"), max_length=30, required=False,
                                           allow_blank=True, default="")
    occupant_description = serializers.CharField(label=_("who the occupant is"), required=False, allow_blank=True,
                                                 default="")

    def validate(self, attrs: dict) -> dict:
        from discipline.rules.occupants import Occupant

        name = attrs.pop("occupant_name", "")
        occupant = Occupant(name=name, id_number=attrs.pop("occupant_id_number", ""),
                            phone=attrs.pop("occupant_phone", ""), description=attrs.pop("occupant_description", ""))
        if name.strip() or occupant.id_number:
            attrs["occupant"] = occupant
        return attrs
    kind = serializers.CharField(label=_("violation kind"), max_length=4)
    occurred_on = serializers.DateField(label=_("occurred on"))
    facts = serializers.CharField(label=_("facts"))
    measure = serializers.DecimalField(label=_("measured value (days or damage in yuan)"), max_digits=12,
                                       decimal_places=2, required=False, allow_null=True)
    flags = serializers.ListField(child=serializers.CharField(max_length=16), required=False, default=list)
    flag_reason = serializers.CharField(required=False, allow_blank=True, default="")


class EvidenceSerializer(serializers.Serializer):
    evidence = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class DismissReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("reason for dismissal"))


class NoticeIssueSerializer(serializers.Serializer):
    requirement = serializers.CharField(label=_("rectification requirement"))
    deadline = serializers.DateField(label=_("rectify by"), required=False, allow_null=True)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PublishSerializer(serializers.Serializer):
    public_facts = serializers.CharField(
        label=_("Facts as published"), max_length=services.PUBLIC_FACTS_MAX_LENGTH, required=False,
        help_text=_("Default: the start of the case's facts. Refused (400, code personal_data, each span named) "
                    "while it holds names of people, phone, ID or bank card numbers or e-mail addresses."),
    )


class DecideSerializer(serializers.Serializer):
    amounts = serializers.DictField(
        child=serializers.DecimalField(max_digits=12, decimal_places=2), required=False, default=dict,
        help_text="{measure index: amount} for ranged fines and compensation (indices of the rulebook outcome).",
    )
    days = serializers.DictField(child=serializers.IntegerField(min_value=1), required=False, default=dict)
    chosen = serializers.IntegerField(required=False, allow_null=True, min_value=0)

    def validate_amounts(self, value: dict) -> dict:
        return _int_keys(value, "amounts")

    def validate_days(self, value: dict) -> dict:
        return _int_keys(value, "days")


def _int_keys(value: dict, field: str) -> dict:
    try:
        return {int(key): item for key, item in value.items()}
    except (TypeError, ValueError):
        raise serializers.ValidationError(_("Use the measure's index as the key.")) from None


class AppealCreateSerializer(serializers.Serializer):
    case = serializers.IntegerField(label=_("case"))
    reason = serializers.CharField(label=_("Grounds of your request for review"),
                                   max_length=appeal_services.REASON_MAX_LENGTH)
    evidence = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class AppealDecideSerializer(serializers.Serializer):
    upheld = serializers.BooleanField()
    answer = serializers.CharField(label=_("answer to the resident"))


# --- Filters ----------------------------------------------------------------------------------------------


class CaseFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=CaseStatus.choices)
    kind = filters.CharFilter()
    resident = filters.NumberFilter(field_name="resident_id")
    occurred_after = DateFilter(field_name="occurred_on", lookup_expr="gte")
    occurred_before = DateFilter(field_name="occurred_on", lookup_expr="lte")
    behind = filters.BooleanFilter(method="filter_behind", label=_("behind schedule"))

    class Meta:
        model = ViolationCase
        fields = ("status", "kind", "resident")

    def filter_behind(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        condition = selectors.overdue_q(timezone.now())
        return queryset.filter(condition).distinct() if value else queryset.exclude(condition)


# --- Cases -------------------------------------------------------------------------------------------------


class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Violation cases (处罚流程). Residents: their own, read-only. Staff: every case, with the named steps."""

    permission_classes = [CaseAccess]
    filterset_class = CaseFilter

    def get_queryset(self) -> QuerySet[ViolationCase]:
        if getattr(self, "swagger_fake_view", False):
            return ViolationCase.objects.none()
        if audience(self.request) == STAFF:
            queryset = ViolationCase.objects.all()
        else:
            queryset = ViolationCase.objects.filter(resident=self.request.resident)
        return selectors._with_related(queryset).select_related("found_by", "decided_by").order_by("-found_at", "-id")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return StaffCaseSerializer if audience(self.request) == STAFF else CaseSerializer

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        if page is not None:
            self._decorate(page)
        return page

    def get_object(self) -> ViolationCase:
        case = super().get_object()
        self._decorate([case])
        return case

    def _decorate(self, cases: list[ViolationCase]) -> None:
        selectors._attach_publications(cases)
        selectors.attach_display(cases)

    def _require(self, *, decider: bool = False) -> None:
        if audience(self.request) != STAFF or not _is_handler(self.request.user):
            raise PermissionDenied(_("Only the daily management team and the administrator handle violation cases."))
        if decider and not has_role(self.request.user, Role.ADMINISTRATOR):
            raise PermissionDenied(_("Only the administrator decides penalties (Chapter 8, Article 2)."))

    def _answer(self, case: ViolationCase, *, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=case.pk)
        self._decorate([fresh])
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(request=CaseOpenSerializer, responses={201: StaffCaseSerializer})
    def create(self, request: Request) -> Response:
        """Open a case (立案, staff)."""
        self._require()
        data = CaseOpenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_open(actor=request.user, **data.validated_data)
        return self._answer(case, code=status.HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": EvidenceSerializer}, responses=StaffCaseSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def verify(self, request: Request, pk: str | None = None) -> Response:
        """Found → verified, with evidence files (PDF/JPEG/PNG)."""
        self._require()
        evidence = request.FILES.getlist("evidence") if hasattr(request, "FILES") else []
        case = services.case_verify(case=self.get_object(), actor=request.user, evidence=evidence)
        return self._answer(case)

    @extend_schema(request=DismissReasonSerializer, responses=StaffCaseSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def dismiss(self, request: Request, pk: str | None = None) -> Response:
        """Found / verified → dismissed, with the reason."""
        self._require()
        data = DismissReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_dismiss(case=self.get_object(), actor=request.user, reason=data.validated_data["reason"])
        return self._answer(case)

    @extend_schema(request=NoticeIssueSerializer, responses=StaffCaseSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def notice(self, request: Request, pk: str | None = None) -> Response:
        """Verified → 《违规整改通知书》 issued (requirement; deadline default from the rulebook)."""
        self._require()
        data = NoticeIssueSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notice = services.notice_issue(case=self.get_object(), actor=request.user, **data.validated_data)
        return self._answer(notice.case)

    @extend_schema(request=NoteSerializer, responses=StaffCaseSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def rectified(self, request: Request, pk: str | None = None) -> Response:
        """Notice issued → rectified in time (until the deadline)."""
        self._require()
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_mark_rectified(case=self.get_object(), actor=request.user, **data.validated_data)
        return self._answer(case)

    @extend_schema(request=NoteSerializer, responses=StaffCaseSerializer)
    @action(detail=True, methods=["post"], filterset_class=None, url_path="not-rectified")
    def not_rectified(self, request: Request, pk: str | None = None) -> Response:
        """Notice issued → not rectified (after the deadline): escalates per the ladder."""
        self._require()
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_mark_not_rectified(case=self.get_object(), actor=request.user, **data.validated_data)
        return self._answer(case)

    @extend_schema(request=DecideSerializer, responses=StaffCaseSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def decide(self, request: Request, pk: str | None = None) -> Response:
        """Decide the penalty (administrator): amounts within ranges, kind 8's choice, suspension days."""
        self._require(decider=True)
        data = DecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = self.get_object()
        services.case_decide(case=case, actor=request.user, **data.validated_data)
        return self._answer(case)

    @extend_schema(request=PublishSerializer, responses=StaffCaseSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def publish(self, request: Request, pk: str | None = None) -> Response:
        """Decided → published on the notice board (administrator); the appeal window opens."""
        self._require(decider=True)
        data = PublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = self.get_object()
        services.case_publish(case=case, actor=request.user, **data.validated_data)
        return self._answer(case)


# --- Appeals ----------------------------------------------------------------------------------------------


class AppealFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=AppealStatus.choices)
    case = filters.NumberFilter(field_name="case_id")

    class Meta:
        model = Appeal
        fields = ("status", "case")


class AppealViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Requests for review (复核), answered within 3 working days. Residents: create for their own published
    cases during the window, list their own. Staff: list all; the administrator answers (``decide``)."""

    permission_classes = [CaseAccess]
    serializer_class = AppealSerializer
    filterset_class = AppealFilter

    def get_queryset(self) -> QuerySet[Appeal]:
        if getattr(self, "swagger_fake_view", False):
            return Appeal.objects.none()
        queryset = Appeal.objects.select_related("case").order_by("-submitted_at", "-id")
        if audience(self.request) == STAFF:
            return queryset
        return queryset.filter(resident=self.request.resident)

    @extend_schema(request={"multipart/form-data": AppealCreateSerializer}, responses={201: AppealSerializer})
    def create(self, request: Request) -> Response:
        """Ask for review of one of your own published penalties, during its publication window."""
        if audience(request) != RESIDENT:
            raise PermissionDenied(_("You can only appeal your own cases."))
        data = AppealCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = get_object_or_404(ViolationCase, pk=data.validated_data["case"], resident=request.resident)
        evidence = request.FILES.getlist("evidence") if hasattr(request, "FILES") else []
        appeal = appeal_services.appeal_submit(
            case=case, resident=request.resident, reason=data.validated_data["reason"], evidence=evidence,
            actor=request.user,
        )
        return Response(AppealSerializer(appeal).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AppealDecideSerializer, responses=AppealSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def decide(self, request: Request, pk: str | None = None) -> Response:
        """Answer a pending request for review (administrator): upheld annuls the penalty."""
        if audience(request) != STAFF or not has_role(request.user, Role.ADMINISTRATOR):
            raise PermissionDenied(_("Only the administrator answers requests for review (Chapter 8, Article 2)."))
        data = AppealDecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appeal = appeal_services.appeal_decide(appeal=self.get_object(), actor=request.user, **data.validated_data)
        return Response(AppealSerializer(appeal).data)


ROUTES = [("cases", CaseViewSet, "case"), ("appeals", AppealViewSet, "appeal")]
