"""Views of the project itself: the health check."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from opc_community.core import health


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """``/healthz`` — public, no login, no data: the state of the database, Redis, the worker and beat
    (``core.health``); 503 when the database is down, else 200 with "ok" or "degraded"."""
    report = health.report()
    return JsonResponse(report.as_dict(), status=report.http_status)
