"""The public notice board (公示栏): no login needed to read; objecting asks for one (RULEBOOK §10)."""

from django.urls import path

from opc_community.notices import views
from opc_community.notices.feeds import LatestPublicationsFeed

app_name = "notices"
urlpatterns = [
    path("", views.publication_list, name="list"),
    path("feed/", LatestPublicationsFeed(), name="feed"),
    path("service-quality/", views.service_quality, name="service_quality"),
    path("<int:pk>/", views.publication_detail, name="detail"),
]
