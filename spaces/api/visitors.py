"""REST API of the visitor log (/api/v1/visitors/; 第四章第一条，第七章第二条).

- The front desk (daily management team, administrator) registers (``POST``), answers for the
  host after calling it (``confirm`` / ``refuse``, recorded as by phone), ``admit`` (only a
  visitor the host confirmed), ``sign-out`` and ``cancel``; it sees full phone numbers.
- Other staff who may read the log (oversight) list it with phone numbers masked.
- A resident sees only the visitors registered for it (another resident's visitor: 404), phone
  numbers masked, and ``confirm`` / ``refuse`` them.

Filters: ``status``, ``name``, ``host`` (name), ``expected_from`` / ``expected_to`` (days, both included).
"""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from opc_community.core.filters import DateFilter
from opc_community.core.masking import mask_phone
from residents.access import STAFF, audience, staff_holding, staff_or_resident
from residents.models import Resident
from spaces.models import Visitor, VisitorStatus
from spaces.selectors import visitors as selectors
from spaces.services import visitors as services


class VisitorSerializer(serializers.ModelSerializer):
    """A visitor; ``phone`` is masked (138****5678) for everyone but the front desk."""

    status_display = serializers.CharField(source="get_status_display", read_only=True)
    phone = serializers.SerializerMethodField()
    host = serializers.SerializerMethodField()

    class Meta:
        model = Visitor
        fields = ("id", "name", "phone", "host", "purpose", "expected_at", "status", "status_display",
                  "registered_at", "confirmed_at", "confirmed_by_phone", "admitted_at", "signed_out_at")
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(help_text="Masked (138****5678) unless the caller is the front desk."))
    def get_phone(self, visitor: Visitor) -> str:
        return visitor.phone if self.context.get("full_phone") else mask_phone(visitor.phone)

    @extend_schema_field(serializers.DictField(help_text="{id, name} of the host resident"))
    def get_host(self, visitor: Visitor) -> dict[str, Any]:
        return {"id": visitor.host_id, "name": visitor.host.name}


class StaffVisitorSerializer(VisitorSerializer):
    registered_by = serializers.CharField(read_only=True)
    confirmed_by = serializers.CharField(read_only=True, allow_null=True)

    class Meta(VisitorSerializer.Meta):
        fields = (*VisitorSerializer.Meta.fields, "registered_by", "confirmed_by", "note")
        read_only_fields = fields


class VisitorRegisterSerializer(serializers.Serializer):
    name = serializers.CharField(label=_("visitor's name"), max_length=services.NAME_MAX_LENGTH)
    phone = serializers.CharField(label=_("visitor's phone"), max_length=30)
    host = serializers.PrimaryKeyRelatedField(label=_("host"), queryset=Resident.objects.all())
    purpose = serializers.CharField(label=_("purpose"), max_length=services.PURPOSE_MAX_LENGTH)
    expected_at = serializers.DateTimeField(label=_("expected at"))
    note = serializers.CharField(label=_("note"), max_length=services.NOTE_MAX_LENGTH, required=False,
                                 allow_blank=True)


class VisitorReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("reason"), max_length=services.NOTE_MAX_LENGTH, required=False,
                                   allow_blank=True)


class VisitorFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=VisitorStatus.choices)
    name = filters.CharFilter(lookup_expr="icontains")
    host = filters.CharFilter(field_name="host__name", lookup_expr="icontains", label=_("host"))
    expected_from = DateFilter(method="filter_range", label=_("expected from"))
    expected_to = DateFilter(method="filter_range", label=_("expected until"))

    class Meta:
        model = Visitor
        fields = ("status",)

    def filter_range(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return selectors.search_log(queryset, **{name: value})


class VisitorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """外来访客: registered at the front desk, admitted only after the host confirms (第四章第一条)."""

    permission_classes = [staff_or_resident(staff_holding("spaces.view_visitor"))]
    filterset_class = VisitorFilter

    def get_queryset(self) -> QuerySet[Visitor]:
        if getattr(self, "swagger_fake_view", False):
            return Visitor.objects.none()
        if audience(self.request) == STAFF:
            return selectors.visitor_log()
        return selectors.visitors_of_host(self.request.resident)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if audience(self.request) == STAFF:
            return StaffVisitorSerializer
        return VisitorSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["full_phone"] = audience(self.request) == STAFF and services.is_front_desk(self.request.user)
        return context

    def _answer(self, visitor: Visitor, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=visitor.pk)).data, status=code)

    def _require_front_desk(self) -> None:
        if not services.is_front_desk(self.request.user):
            raise PermissionDenied(_("Only the daily management team at the front desk registers and admits "
                                     "visitors (Chapter 4, Article 1)."))

    @extend_schema(request=VisitorRegisterSerializer, responses={201: StaffVisitorSerializer})
    def create(self, request: Request) -> Response:
        """Register a visitor (front desk); the host is asked to confirm."""
        self._require_front_desk()
        data = VisitorRegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visitor = services.visitor_register(actor=request.user, **data.validated_data)
        return self._answer(visitor, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=VisitorSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        """The host confirms; the front desk calling this records a confirmation by phone for the host."""
        by_phone = audience(request) == STAFF
        if by_phone:
            self._require_front_desk()
        return self._answer(services.visitor_confirm(visitor=self.get_object(), actor=request.user, by_phone=by_phone))

    @extend_schema(request=VisitorReasonSerializer, responses=VisitorSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def refuse(self, request: Request, pk: str | None = None) -> Response:
        """The host refuses (optional reason); from the front desk: refused by the host by phone."""
        by_phone = audience(request) == STAFF
        if by_phone:
            self._require_front_desk()
        data = VisitorReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visitor = services.visitor_refuse(visitor=self.get_object(), actor=request.user, by_phone=by_phone,
                                          reason=data.validated_data.get("reason", ""))
        return self._answer(visitor)

    @extend_schema(request=None, responses=StaffVisitorSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def admit(self, request: Request, pk: str | None = None) -> Response:
        """Admit a visitor the host confirmed (front desk); 409 otherwise."""
        self._require_front_desk()
        return self._answer(services.visitor_admit(visitor=self.get_object(), actor=request.user))

    @extend_schema(request=None, responses=StaffVisitorSerializer)
    @action(detail=True, methods=["post"], url_path="sign-out", filterset_class=None)
    def sign_out(self, request: Request, pk: str | None = None) -> Response:
        """The visitor leaves (front desk)."""
        self._require_front_desk()
        return self._answer(services.visitor_sign_out(visitor=self.get_object(), actor=request.user))

    @extend_schema(request=VisitorReasonSerializer, responses=StaffVisitorSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """The visit does not take place (front desk)."""
        self._require_front_desk()
        data = VisitorReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.visitor_cancel(visitor=self.get_object(), actor=request.user,
                                                    reason=data.validated_data.get("reason", "")))


ROUTES = [("visitors", VisitorViewSet, "visitor")]
