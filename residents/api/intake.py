"""API of intake (第三章第一条、第二条): /api/v1/applications/.

- An applicant sees only their own applications (anyone else's id: 404): creates a draft,
  changes it (PATCH), uploads materials (multipart POST …/documents/), submits, withdraws.
- The intake team and the operations lead list every application — filter by ``status``,
  ``entity_type``, ``direction``, ``overdue`` — and run the review steps as POST actions
  (start_evaluation, return, reject, record_evaluation, approve). Oversight reads.

Refusals of the services come back as 400 (409 for a move the state machine refuses) with
the Chinese message, the ``field`` and, where several fields are wrong, ``errors``
({field: [messages]}). ID numbers are only ever written, never read back unmasked.
Materials are downloaded through the portal's permission-checked view (``download_url``).
"""

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from opc_community.accounts.permissions import HasRole, has_role
from opc_community.core.errors import InvalidTransition
from opc_community.core.masking import mask_identity_number
from residents.models import (
    Application,
    ApplicationDocument,
    ApplicationStatus,
    ApplicationTransition,
    Direction,
    DocumentKind,
    EntityType,
)
from residents.rules import intake as rules
from residents.rules.identity import normalise_identity
from residents.selectors import intake as selectors
from residents.services import intake as services

# --- serializers ----------------------------------------------------------------------------------


class ApplicationDocumentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField(help_text=_("Permission-checked download (never a public URL)."))

    class Meta:
        model = ApplicationDocument
        fields = ("id", "kind", "original_name", "content_type", "size", "uploaded_at", "download_url")
        read_only_fields = fields

    def get_download_url(self, document: ApplicationDocument) -> str:
        url = reverse("residents:application_document", args=[document.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class ApplicationTransitionSerializer(serializers.ModelSerializer):
    by_applicant = serializers.SerializerMethodField()

    class Meta:
        model = ApplicationTransition
        fields = ("from_status", "to_status", "reason", "at", "by_applicant")
        read_only_fields = fields

    def get_by_applicant(self, transition: ApplicationTransition) -> bool:
        return transition.actor_id == transition.application.applicant_id


class ApplicationSerializer(serializers.ModelSerializer):
    """An application as listed: the ID number masked, the current deadline and whether it is overdue."""

    status_display = serializers.CharField(source="get_status_display", read_only=True)
    id_number_masked = serializers.SerializerMethodField()
    current_due = serializers.DateTimeField(read_only=True, allow_null=True)
    overdue = serializers.SerializerMethodField()
    eligibility_flags = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = (
            "id", "status", "status_display", "entity_type", "direction", "direction_note", "person_name",
            "id_number_masked", "company_name", "uscc", "phone", "email", "project_summary",
            "declares_no_dishonesty", "consent_id_processing_at", "consent_public_naming",
            "consent_public_naming_at", "round", "submitted_at", "review_due_at", "review_due_provisional",
            "evaluated_at", "result_due_at", "result_due_provisional", "decided_at", "decision_reason",
            "current_due", "overdue", "eligibility_flags", "created_at", "updated_at",
        )
        read_only_fields = fields

    def get_id_number_masked(self, application: Application) -> str:
        return mask_identity_number(application.id_number)

    def get_overdue(self, application: Application) -> bool:
        due = getattr(application, "current_due", None)
        return due is not None and due < timezone.now()

    def get_eligibility_flags(self, application: Application) -> list[str]:
        """Points staff decide with an eligibility override before the initial review passes (第三章第一条)."""
        return [
            str(flag)
            for flag in rules.eligibility_flags(entity_type=application.entity_type, direction=application.direction)
        ]


class ApplicationStaffViewSerializer(serializers.Serializer):
    """What only the intake team, the operations lead and oversight read."""

    applicant = serializers.IntegerField()
    eligibility_override = serializers.CharField()
    evaluation_feasibility = serializers.CharField()
    evaluation_fit = serializers.CharField()
    reviewer = serializers.IntegerField(allow_null=True)


class ApplicationDetailSerializer(ApplicationSerializer):
    """One application with its materials and history; staff also see the evaluation and override."""

    documents = ApplicationDocumentSerializer(many=True, read_only=True)
    transitions = ApplicationTransitionSerializer(many=True, read_only=True)
    staff = serializers.SerializerMethodField()

    class Meta(ApplicationSerializer.Meta):
        fields = (*ApplicationSerializer.Meta.fields, "documents", "transitions", "staff")
        read_only_fields = fields

    @extend_schema_field(ApplicationStaffViewSerializer(allow_null=True))
    def get_staff(self, application: Application) -> dict[str, Any] | None:
        request = self.context.get("request")
        if request is None or not has_role(request.user, *selectors.MATERIAL_READERS):
            return None
        return {
            "applicant": application.applicant_id,
            "eligibility_override": application.eligibility_override,
            "evaluation_feasibility": application.evaluation_feasibility,
            "evaluation_fit": application.evaluation_fit,
            "reviewer": application.reviewer_id,
        }


class IdentityNumberField(serializers.CharField):
    """An ID card number or credit code as sent, in its one spelling (``normalise_identity``);
    the service refuses anything but ASCII digits and letters, naming the field."""

    def to_internal_value(self, data: Any) -> str:
        return normalise_identity(super().to_internal_value(data))


class ApplicationDraftSerializer(serializers.Serializer):
    """What the applicant writes on 《OPC社区入驻申请表》 (draft); materials go to …/documents/."""

    entity_type = serializers.ChoiceField(choices=EntityType.choices, required=False, allow_blank=True)
    direction = serializers.ChoiceField(choices=Direction.choices, required=False, allow_blank=True)
    direction_note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    person_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    id_number = IdentityNumberField(max_length=25, required=False, allow_blank=True, write_only=True)
    company_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    uscc = IdentityNumberField(max_length=25, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    project_summary = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    declares_no_dishonesty = serializers.BooleanField(required=False)
    consent_id_processing = serializers.BooleanField(
        required=False, help_text=_("PIPL Art. 29: required before the ID number or the ID card is stored.")
    )
    consent_public_naming = serializers.BooleanField(
        required=False, help_text=_("PIPL Art. 25: optional; recorded either way.")
    )


class ApplicationDocumentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    file = serializers.FileField(help_text=_("PDF, JPEG or PNG (checked by content), at most 10 MB."))


class ApplicationReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ApplicationStartEvaluationSerializer(ApplicationReasonSerializer):
    eligibility_override = serializers.CharField(required=False, allow_blank=True, default="")


class ApplicationEvaluationSerializer(serializers.Serializer):
    feasibility = serializers.CharField()
    fit = serializers.CharField()


class ApplicationWithdrawSerializer(ApplicationReasonSerializer):
    pass


# --- filters ----------------------------------------------------------------------------------


class ApplicationFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ApplicationStatus.choices)
    entity_type = filters.ChoiceFilter(choices=EntityType.choices)
    direction = filters.ChoiceFilter(choices=Direction.choices)
    overdue = filters.BooleanFilter(method="filter_overdue", label=_("overdue"))

    class Meta:
        model = Application
        fields = ("status", "entity_type", "direction", "overdue")

    def filter_overdue(self, queryset: QuerySet[Application], name: str, value: bool | None) -> QuerySet[Application]:
        if value is None:
            return queryset
        overdue = selectors.overdue_q(timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


# --- the viewset -------------------------------------------------------------------------------

_REVIEWERS = HasRole.of(*services.REVIEWERS)


def _refusals(description: str) -> dict[int, OpenApiResponse]:
    return {
        400: OpenApiResponse(description=_("Refused: the message, the field and every field's errors.")),
        403: OpenApiResponse(description=_("Not allowed for this user.")),
        404: OpenApiResponse(description=_("No such application among those you may see.")),
        409: OpenApiResponse(description=description),
    }


@extend_schema_view(
    list=extend_schema(summary=_("Applications: the applicant's own, or all for the intake team")),
    retrieve=extend_schema(summary=_("One application with materials and history")),
)
class ApplicationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Applications to join the community (《OPC社区入驻申请表》, 第三章第二条)."""

    permission_classes = [IsAuthenticated]
    filterset_class = ApplicationFilter
    serializer_class = ApplicationSerializer

    def _is_staff_reader(self) -> bool:
        return has_role(self.request.user, *selectors.MATERIAL_READERS)

    def get_queryset(self) -> QuerySet[Application]:
        if getattr(self, "swagger_fake_view", False):
            return Application.objects.none()
        queryset = (
            selectors.applications_for_staff() if self._is_staff_reader() else selectors.applications_of(self.request.user)
        )
        if self.action != "list":
            queryset = queryset.prefetch_related("documents", "transitions")
        return queryset

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return ApplicationSerializer if self.action == "list" else ApplicationDetailSerializer

    def _detail(self, application: Application, *, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=application.pk)
        return Response(ApplicationDetailSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    # --- the applicant ---------------------------------------------------------------------

    @extend_schema(
        request=ApplicationDraftSerializer,
        responses={201: ApplicationDetailSerializer, **_refusals(_("An application is already in progress."))},
        summary=_("Start a draft application"),
    )
    def create(self, request: Request) -> Response:
        data = ApplicationDraftSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        application = services.application_save_draft(
            applicant=request.user,
            details=services.ApplicationDetails(**data.validated_data),
            actor=request.user,
            new=True,
        )
        return self._detail(application, code=status.HTTP_201_CREATED)

    @extend_schema(
        request=ApplicationDraftSerializer,
        responses={200: ApplicationDetailSerializer, **_refusals(_("The application can no longer be changed."))},
        summary=_("Change the draft (or an application returned for more material)"),
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        application = self.get_object()
        self._own(application)
        if application.status not in services.EDITABLE:
            raise InvalidTransition(_("This application can no longer be changed."))
        data = ApplicationDraftSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        current = services.details_of(application)
        details = services.ApplicationDetails(**{**current.__dict__, **data.validated_data})
        application = services.application_save_draft(applicant=request.user, details=details, actor=request.user)
        return self._detail(application)

    def _own(self, application: Application) -> None:
        if application.applicant_id != self.request.user.pk:
            raise PermissionDenied(_("Only the applicant may change or submit an application."))

    @extend_schema(
        request={"multipart/form-data": ApplicationDocumentUploadSerializer},
        responses={201: ApplicationDocumentSerializer, **_refusals(_("Materials can no longer be added."))},
        summary=_("Upload a material (multipart)"),
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser], filterset_class=None)
    def documents(self, request: Request, pk: str | None = None) -> Response:
        application = self.get_object()
        self._own(application)
        data = ApplicationDocumentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = services.application_document_add(
            application=application,
            kind=data.validated_data["kind"],
            upload=data.validated_data["file"],
            actor=request.user,
        )
        return Response(
            ApplicationDocumentSerializer(document, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=None,
        responses={200: ApplicationDetailSerializer, **_refusals(_("Not a draft or returned application."))},
        summary=_("Submit (again, after being returned)"),
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def submit(self, request: Request, pk: str | None = None) -> Response:
        application = self.get_object()
        self._own(application)
        return self._detail(services.application_submit(application=application, actor=request.user))

    @extend_schema(
        request=ApplicationWithdrawSerializer,
        responses={200: ApplicationDetailSerializer, **_refusals(_("The application can no longer be withdrawn."))},
        summary=_("Withdraw the application"),
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        application = self.get_object()
        self._own(application)
        data = ApplicationWithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._detail(
            services.application_withdraw(application=application, actor=request.user, reason=data.validated_data["reason"])
        )

    # --- the intake team -------------------------------------------------------------------

    def _step(self, request: Request, step: str, serializer_class: type[serializers.Serializer]) -> Response:
        application = self.get_object()
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        application = services.application_review_step(
            application=application, step=step, actor=request.user, **data.validated_data
        )
        return self._detail(application)

    @extend_schema(
        request=ApplicationStartEvaluationSerializer,
        responses={200: ApplicationDetailSerializer, **_refusals(_("Not awaiting initial review."))},
        summary=_("Initial review passed: start the project evaluation"),
    )
    @action(detail=True, methods=["post"], permission_classes=[_REVIEWERS], filterset_class=None)
    def start_evaluation(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, "start_evaluation", ApplicationStartEvaluationSerializer)

    @extend_schema(
        request=ApplicationReasonSerializer,
        responses={200: ApplicationDetailSerializer, **_refusals(_("Not under initial review or evaluation."))},
        summary=_("Return for more material (reasons required)"),
    )
    @action(
        detail=True, methods=["post"], url_path="return", url_name="return",
        permission_classes=[_REVIEWERS], filterset_class=None,
    )
    def return_for_material(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, "return", ApplicationReasonSerializer)

    @extend_schema(
        request=ApplicationReasonSerializer,
        responses={200: ApplicationDetailSerializer, **_refusals(_("Not under review."))},
        summary=_("Reject (reasons required)"),
    )
    @action(detail=True, methods=["post"], permission_classes=[_REVIEWERS], filterset_class=None)
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, "reject", ApplicationReasonSerializer)

    @extend_schema(
        request=ApplicationEvaluationSerializer,
        responses={200: ApplicationDetailSerializer, **_refusals(_("Not in project evaluation."))},
        summary=_("Record the project evaluation (feasibility, fit)"),
    )
    @action(detail=True, methods=["post"], permission_classes=[_REVIEWERS], filterset_class=None)
    def record_evaluation(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, "record_evaluation", ApplicationEvaluationSerializer)

    @extend_schema(
        request=ApplicationReasonSerializer,
        responses={200: ApplicationDetailSerializer, **_refusals(_("Not evaluated yet."))},
        summary=_("Approve: the applicant becomes a resident (agreement next)"),
    )
    @action(detail=True, methods=["post"], permission_classes=[_REVIEWERS], filterset_class=None)
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, "approve", ApplicationReasonSerializer)


ROUTES = [("applications", ApplicationViewSet, "application")]
