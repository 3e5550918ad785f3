"""The site that ``bench/pages.py`` serves with gunicorn: the product unchanged, plus the floor.

The floor is ``/bench/bare/``: a view that answers "ok" to a logged-in user behind the same middleware (sessions, login,
two-factor check, CSP, …) and the same session cookie as the measured page. It exists only in this
URLconf, which only the benchmark's gunicorn loads — never a URL of the product.
"""

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

application = get_wsgi_application()
settings.ROOT_URLCONF = __name__


def bare(request: HttpRequest) -> HttpResponse:
    """ "ok" for the logged-in user of the measured page (its session and user are read, as the page's)."""
    if not request.user.is_authenticated:
        return HttpResponse("login required", status=403, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), path("", include("opc_community.urls"))]
