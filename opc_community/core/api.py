"""REST framework glue shared by every app's ``api.py``."""

from typing import Any

from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from opc_community.core.errors import DomainError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn a service's DomainError into a clean 400/409 JSON answer, never a 500."""
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status_code)
    return drf_exception_handler(exc, context)


class PersonSerializer(serializers.Serializer):
    """A resident as staff lists show them: id and full name (never on public endpoints)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
