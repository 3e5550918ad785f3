"""Portal URLs of the resources app (/portal/resources/…): each topic's views module lists its own."""

from resources.views import activities, vouchers

app_name = "resources"
urlpatterns = [*activities.urlpatterns, *vouchers.urlpatterns]

# 第五章第三条、第四条: start-up services and the service-quality survey.
from resources.views import stage as _stage  # noqa: E402

urlpatterns += _stage.urlpatterns
