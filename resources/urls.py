"""Portal URLs of the resources app (/portal/resources/…)."""

from resources.views import urlpatterns as activity_urls

app_name = "resources"
urlpatterns = [*activity_urls]
