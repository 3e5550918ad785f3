"""REST API of the notice board: /api/v1/notices/ (read, public) and …/<id>/objections/ (POST, logged in)."""

from django.db.models import QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
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


ROUTES = [("notices", PublicationViewSet, "notice")]
