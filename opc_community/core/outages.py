"""Outages look like outages: while PostgreSQL is unreachable, every page answers 503 with a Chinese
maintenance page in the site's look, and the API a JSON 503 — not a 500 (UI.md: error pages in
Chinese). Nothing here touches the database: the pages are rendered without a request context (no
user, no session, no inbox count), in the language of the switch's cookie.

Two places catch the database's errors (``OperationalError``, ``InterfaceError``):
:class:`DatabaseOutageMiddleware` those a view raises (also with ``DEBUG`` on), and
:func:`server_error` — the project's ``handler500`` — those raised outside views, e.g. by the session
middleware loading or saving a session.
"""

import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from opc_community.portal.middleware import chosen_language

DATABASE_ERRORS = (OperationalError, InterfaceError)
API_PREFIX = "/api/"
#: Seconds a client should wait before trying again (the ``Retry-After`` header).
RETRY_AFTER = 60


def outage_response(request: HttpRequest) -> HttpResponse:
    """503 while the database is unreachable: JSON on the API, the maintenance page elsewhere."""
    with translation.override(chosen_language(request)):
        return _outage_response(request)


def _outage_response(request: HttpRequest) -> HttpResponse:
    detail = _("The system is under maintenance: the database cannot be reached right now. Please try again in a few minutes.")
    if request.path.startswith(API_PREFIX):
        response: HttpResponse = JsonResponse({"detail": detail}, status=503)
    else:
        response = HttpResponse(render_to_string("errors/503.html", {"detail": detail}), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a database outage is a 503; anything else the 500 page (or JSON on the API)."""
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return outage_response(request)
    with translation.override(chosen_language(request)):
        return _error_response(request)


def _error_response(request: HttpRequest) -> HttpResponse:
    detail = _("Something went wrong on our side. The error was recorded; please try again later.")
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": detail}, status=500)
    return HttpResponse(render_to_string("errors/500.html", {"detail": detail}), status=500)


class DatabaseOutageMiddleware:
    """A view that fails because the database is unreachable answers 503 (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_ERRORS):
            return outage_response(request)
        return None
