"""Portal pages of the quarterly assessment (第六章): /portal/scores/…"""

from scoring.views import cards, inputs

app_name = "scoring"

urlpatterns = [*inputs.urlpatterns, *cards.urlpatterns]
