"""REST framework glue shared by every app's ``api.py``.

Besides what every app's API uses, the API's exception handler (refusals as JSON, a 401 with a
challenge for missing or bad credentials). The JSON 404 for paths no route matches is in
``core.error_pages``, the JSON parser in ``core.parsers``, the schema's corrections in ``core.openapi``
(docs/security.md, "API robustness").
"""

from typing import Any

from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from opc_community.core.errors import DomainError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn a service's DomainError into a clean 400/409 JSON answer, never a 500; missing or bad
    credentials are a 401 with the ``WWW-Authenticate`` challenge of the view's token authentication."""
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        challenge = _challenge(context)
        if challenge:  # DRF asks only the first authentication class (the session, which has none) → 403
            exc.status_code, exc.auth_header = 401, challenge
    return drf_exception_handler(exc, context)


def _challenge(context: dict[str, Any]) -> str | None:
    view, request = context.get("view"), context.get("request")
    for authenticator in view.get_authenticators() if view is not None else ():
        header = authenticator.authenticate_header(request)
        if header:
            return header
    return None


class PersonSerializer(serializers.Serializer):
    """A resident as staff lists show them: id and full name (never on public endpoints)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
