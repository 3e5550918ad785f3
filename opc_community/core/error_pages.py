"""The 400, 403 and 404 pages (UI.md: error pages in Chinese, in the site's look).

Django's own pages are English one-liners once ``DEBUG`` is off. These render ``errors/<code>.html``
like the 500 and 503 pages (opc_community.core.outages): without the database, in the language of the
switch's cookie. Under /api/ they answer JSON like every other API refusal.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from rest_framework import exceptions

from opc_community.core.outages import API_PREFIX
from opc_community.portal.middleware import chosen_language


def _page(request: HttpRequest, status: int, detail_of_api: str, detail: str) -> HttpResponse:
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse({"detail": detail_of_api}, status=status)
    return HttpResponse(render_to_string(f"errors/{status}.html", {"detail": detail}), status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler400``: a request the site cannot read (a malformed form, a bad host header)."""
    with translation.override(chosen_language(request)):
        return _page(request, 400, str(exceptions.ParseError.default_detail),
                     _("The request could not be understood. Go back, reload the page and try again."))


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler403``: the signed-in person may not open this page (who may is stated on each view)."""
    with translation.override(chosen_language(request)):
        return _page(request, 403, str(exceptions.PermissionDenied.default_detail),
                     _("You do not have permission to open this page. If you think you should, ask the "
                       "operations team."))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler404``: no such page (or one the visitor may not know exists), e.g. ``/api/v1/bookings/1.5/``."""
    with translation.override(chosen_language(request)):
        return _page(request, 404, str(exceptions.NotFound.default_detail),
                     _("This page does not exist or is no longer available. Check the address, or start "
                       "again from the home page."))
