"""Portal URLs of the spaces app (/portal/spaces/…): each topic's views module lists its own."""

from spaces.views import (
    bookings,
    desks,
    emergency,
    equipment,
    permits,
    reports,
    rounds,
    safety,
    visitors,
)

app_name = "spaces"
urlpatterns = [
    *desks.urlpatterns, *bookings.urlpatterns, *visitors.urlpatterns, *permits.urlpatterns, *reports.urlpatterns,
    *equipment.urlpatterns,
    *safety.urlpatterns,
    *rounds.urlpatterns,
    *emergency.urlpatterns,
]
