"""Portal URLs of the residents app (/portal/residents/…): each topic's views module lists its own."""

from residents.views import agreements, complaints, intake, lifecycle, mediation, rule_questions

app_name = "residents"
urlpatterns = [
    *intake.urlpatterns, *agreements.urlpatterns, *lifecycle.urlpatterns, *complaints.urlpatterns,
    *mediation.urlpatterns, *rule_questions.urlpatterns,
]
