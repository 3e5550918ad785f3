"""API of the portal: the logged-in person's own notifications (/api/v1/notifications/)."""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from opc_community.portal import selectors, services
from opc_community.portal.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True, label=_("read"))

    class Meta:
        model = Notification
        fields = ("id", "title", "body", "link", "kind", "created_at", "read_at", "is_read")
        read_only_fields = fields


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """Logged-in users: their own notifications only; anyone else's id answers 404.

    Filter unread ones with ``?read_at__isnull=true``, or by ``?kind=``.
    """

    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = {"read_at": ["isnull"], "kind": ["exact"]}

    def get_queryset(self) -> QuerySet[Notification]:
        return selectors.inbox_for(self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def mark_read(self, request: Request, pk: str | None = None) -> Response:
        """Mark the notification read (idempotent: the first read time is kept)."""
        notification = services.notification_mark_read(
            notification=self.get_object(), user=request.user
        )
        return Response(self.get_serializer(notification).data)


ROUTES = [("notifications", NotificationViewSet, "notification")]
