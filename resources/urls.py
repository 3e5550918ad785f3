"""Portal URLs of the resources app (/portal/resources/…): each topic's views module lists its own."""

from resources.views import activities, matchmaking, sharing, stage, vouchers

app_name = "resources"
urlpatterns = [
    *activities.urlpatterns,
    *vouchers.urlpatterns,
    *matchmaking.urlpatterns,  # scenarios and policy help (第五章第二条)
    *sharing.urlpatterns,  # the sharing board (资源共享平台、AI能力共享池)
    *stage.urlpatterns,  # start-up services and the service-quality survey (第五章第三条、第四条)
]
