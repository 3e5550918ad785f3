"""The REST API (/api/v1/): one router; each app lists its viewsets as ``ROUTES`` in its ``api.py``.

Every viewset states its own permission classes; the default is "logged in". Integrations log in
at ``auth/token/`` (public) and send ``Authorization: Token <token>``.
"""

from importlib import import_module

from django.urls import path
from rest_framework.routers import DefaultRouter

from opc_community.accounts.api import ObtainTokenView

#: Apps that expose an ``api.py`` with ``ROUTES = [(prefix, viewset, basename), ...]``.
API_APPS = (
    "opc_community.workdays",
    "opc_community.rulebook",
    "opc_community.notices",
    "opc_community.portal",
    "residents",
    "spaces",
    "discipline",
    "resources",
    "scoring",
)

# No format suffixes (``/bookings/credits.json``): the Accept header chooses the format, and DRF would pass
# a ``format`` argument that no custom action accepts (a 500). Such paths are a JSON 404.
router = DefaultRouter()
router.include_format_suffixes = False
for module_name in API_APPS:
    for prefix, viewset, basename in import_module(f"{module_name}.api").ROUTES:
        router.register(prefix, viewset, basename=basename)

urlpatterns = [
    # Public: a user name and password (and the two-factor code of staff who have one) → API token.
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    *router.urls,
]
