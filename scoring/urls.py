"""Portal pages of the quarterly assessment (第六章): /portal/scores/…"""

from scoring.views import cards, inputs, plans

app_name = "scoring"

urlpatterns = [*plans.urlpatterns, *inputs.urlpatterns, *cards.urlpatterns]
