"""The regulation's text, public (第九章第一条): the full text in force, and a revision's changed articles
side by side (old / new) with its rule data changes. Readable without login, like the notice board; the
portal links here. Nothing personal is on these pages: the text is the regulation's."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from opc_community.rulebook import regulation
from opc_community.rulebook.models import RulebookVersion

#: A revision is shown once it is on the notice board (publicised) and afterwards (adopted).
SHOWN_STATUSES = (RulebookVersion.Status.PUBLICISED, RulebookVersion.Status.ADOPTED)


@require_GET
def full_text(request: HttpRequest) -> HttpResponse:
    version, articles = regulation.full_text()
    return render(request, "rulebook/regulation.html", {"version": version, "articles": articles})


@require_GET
def revision(request: HttpRequest, pk: int) -> HttpResponse:
    version = RulebookVersion.objects.filter(pk=pk, status__in=SHOWN_STATUSES).select_related("based_on").first()
    if version is None:
        raise Http404
    return render(request, "rulebook/revision.html",
                  {"version": version, "changes": regulation.revision_articles(version)})


app_name = "rulebook"
urlpatterns = [
    path("", full_text, name="regulation"),
    path("revisions/<int:pk>/", revision, name="revision"),
]
