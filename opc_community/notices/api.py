"""REST API of the notice board: /api/v1/notices/ (read, public) and …/<id>/objections/ (POST, logged in)."""

from django.db.models import QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from opc_community.notices import selectors, services
from opc_community.notices.models import (
    Objection,
    Publication,
    PublicationKind,
    PublicationStatus,
)


class PublicationSerializer(serializers.ModelSerializer):
    """A publication as the public sees it: no publisher, no person concerned, no objections."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="public_status_label", read_only=True)
    page_url = serializers.SerializerMethodField()

    class Meta:
        model = Publication
        fields = (
            "id",
            "kind",
            "kind_display",
            "title",
            "body",
            "table",
            "status",
            "status_display",
            "outcome",
            "window_starts_at",
            "window_ends_at",
            "window_days",
            "window_provisional",
            "closed_at",
            "withdrawn_at",
            "page_url",
        )
        read_only_fields = fields

    def get_page_url(self, publication: Publication) -> str:
        url = publication.get_absolute_url()
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class ServiceFigureSerializer(serializers.Serializer):
    label = serializers.CharField()
    unit = serializers.CharField()
    values = serializers.ListField(child=serializers.FloatField(allow_null=True))


class ServiceSectionSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    rule = serializers.CharField()
    figures = ServiceFigureSerializer(many=True)


@extend_schema_serializer(many=False)  # one object, though served by the viewset's list route
class ServiceQualitySerializer(serializers.Serializer):
    """The service-quality page (服务公示) as data: the months (ISO, first day) and each section's figures,
    one value per month (null: nothing to measure that month). Counts and shares only, no person."""

    months = serializers.ListField(child=serializers.DateField())
    sections = ServiceSectionSerializer(many=True)


class ServiceQualityViewSet(viewsets.ViewSet):
    """The public service-quality figures (服务公示, 第四章第四条 2), the API twin of /notices/service-quality/.

    Public on purpose, like the board: month-by-month shares and counts computed from the records,
    nothing about a person. A fixed number of queries (each app's figures).
    """

    permission_classes = [AllowAny]

    @extend_schema(responses={200: ServiceQualitySerializer})
    def list(self, request: Request) -> Response:
        return Response(ServiceQualitySerializer(selectors.service_quality(now=timezone.now())).data)


class PublicationFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=PublicationKind.choices)
    status = filters.ChoiceFilter(choices=PublicationStatus.choices)

    class Meta:
        model = Publication
        fields = ("kind", "status")


class ObjectionInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=services.OBJECTION_MAX_LENGTH)


class ObjectionSerializer(serializers.ModelSerializer):
    """The author's own objection, as returned to them after submitting it."""

    class Meta:
        model = Objection
        fields = ("id", "publication", "text", "status", "created_at")
        read_only_fields = fields


class PublicationViewSet(viewsets.ReadOnlyModelViewSet):
    """The public notice board (公示栏).

    Public on purpose: RULEBOOK §10 puts the board in front of everyone without login,
    so listing and reading need no authentication. Only publications whose window has
    started are served, and nothing about a person is serialised (bodies are masked by
    their publishers). Objecting is the one write, and it needs a login.
    """

    permission_classes = [AllowAny]
    serializer_class = PublicationSerializer
    filterset_class = PublicationFilter

    def get_queryset(self) -> QuerySet[Publication]:
        return selectors.public_publications(now=timezone.now())

    @extend_schema(request=ObjectionInputSerializer, responses={201: ObjectionSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path="objections",
        permission_classes=[IsAuthenticated],
        filterset_class=None,
    )
    def objections(self, request: Request, pk: str | None = None) -> Response:
        """Object to a publication during its window; after the window: 400 with the reason."""
        publication = self.get_object()
        data = ObjectionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        objection = services.objection_submit(
            publication=publication, author=request.user, text=data.validated_data["text"]
        )
        return Response(ObjectionSerializer(objection).data, status=status.HTTP_201_CREATED)


ROUTES = [
    ("notices", PublicationViewSet, "notice"),
    ("service-quality", ServiceQualityViewSet, "service-quality"),
]
