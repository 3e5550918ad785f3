"""Portal URLs of the resources app (/portal/resources/…): each topic's views module lists its own."""

from resources.views import activities, vouchers

app_name = "resources"
urlpatterns = [*activities.urlpatterns, *vouchers.urlpatterns]

# Scenario matchmaking and policy help (第五章第二条).
from resources.views import matchmaking  # noqa: E402

urlpatterns += matchmaking.urlpatterns
# The sharing board (资源共享平台、AI能力共享池).
from resources.views import sharing  # noqa: E402

urlpatterns += sharing.urlpatterns
# 第五章第三条、第四条: start-up services and the service-quality survey.
from resources.views import stage as _stage  # noqa: E402

urlpatterns += _stage.urlpatterns
