"""Portal URLs of the resources app (/portal/resources/…): each topic's views module lists its own."""

from resources.views import activities, vouchers

app_name = "resources"
urlpatterns = [*activities.urlpatterns, *vouchers.urlpatterns]
