"""Portal URLs of the discipline app (/portal/discipline/…): each topic's views module lists its own."""

from discipline.views import cases, reports, rewards

app_name = "discipline"
urlpatterns = [*cases.urlpatterns, *rewards.urlpatterns, *reports.urlpatterns]
