"""URL map. Who may use each part is stated where it is included; tests/test_url_access.py
walks every pattern and proves anonymous users are refused outside the public allow-list."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from opc_community.core.views import healthz

urlpatterns = [
    # Public: the landing page sends people to the portal (which asks them to log in).
    path("", RedirectView.as_view(pattern_name="portal:dashboard", permanent=False)),
    # Public: language switch (POST, CSRF-protected).
    path("i18n/", include("django.conf.urls.i18n")),
    # Public: the notice board (公示栏); objecting needs a login.
    # 第九章第一条: the regulation's text in force and each revision side by side, public like the board.
    path("notices/regulation/", include("opc_community.rulebook.urls")),
    path("notices/", include("opc_community.notices.urls")),
    # Residents and staff: the portal; every view requires a login except login itself.
    path("portal/", include("opc_community.portal.urls")),
    # Applicants and residents: applications, agreement, invoices, exits, complaints (login required).
    path("portal/residents/", include("residents.urls")),
    # Residents and the front desk: desks, room bookings, visitors, permits (login required; the
    # calendar feed is reached by its secret token).
    path("portal/spaces/", include("spaces.urls")),
    # Residents: their violation cases, notices, appeals and rewards (login required).
    path("portal/discipline/", include("discipline.urls")),
    # Residents: activities, registration and QR check-in (login required).
    path("portal/resources/", include("resources.urls")),
    path("portal/scores/", include("scoring.urls")),
    # Staff: the operations desk (Django admin), staff accounts only.
    path("admin/", admin.site.urls),
    # Integrations: authenticated by session or token; each viewset states its permissions.
    path("api/v1/", include("opc_community.api_urls")),
    # Logged-in users: the OpenAPI schema and its documentation page (no CDN: drf-spectacular-sidecar). The
    # split view serves the page's set-up script as a file (?script), so the Content-Security-Policy holds there too.
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Public: the health check for the orchestrator and monitoring (states and ages only, no data).
    path("healthz", healthz, name="healthz"),
]

# 400, 403 and 404: JSON under /api/ (like every other API refusal), elsewhere a page in Chinese in the
# site's look (opc_community.core.error_pages).
handler400 = "opc_community.core.error_pages.bad_request"
handler403 = "opc_community.core.error_pages.permission_denied"
handler404 = "opc_community.core.error_pages.page_not_found"
# A database outage is a 503 maintenance page (JSON on the API), other errors a 500 page; both in
# Chinese in the site's look, rendered without the database (opc_community.core.outages).
handler500 = "opc_community.core.outages.server_error"
