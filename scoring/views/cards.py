"""Residents read their score cards and appeal (第六章第二条、第三条): /portal/scores/cards/…

Who: a checked-in resident (``resident_required``), for its OWN cards of published or final quarters
only — a card is fetched through ``request.resident``, so another resident's card (or a draft) is a
404. Every change is one service call (``scoring.services.appeals``); a refusal comes back next to the
field with status 400 and nothing written.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from opc_community.core.views import submit_form
from residents.access import resident_required
from scoring.documents.report import report_response
from scoring.forms.cards import ScoreAppealForm
from scoring.models import ScoreCard
from scoring.selectors import cards as selectors
from scoring.selectors.quarters import rules_for
from scoring.services import appeals as services


def _own(request: HttpRequest, pk: int) -> ScoreCard:
    card = selectors.card_for_resident(request.resident, pk)
    if card is None:
        raise Http404
    return card


@resident_required
@require_GET
def card_list(request: HttpRequest) -> HttpResponse:
    """我的季度考核: every published quarter's total and verdict, oldest first, with the history chart."""
    cards = list(selectors.resident_cards(request.resident))
    context = {"cards": cards[::-1], "article": selectors.ARTICLE_SCORING}
    if cards:
        book = rules_for(cards[-1].quarter)  # the latest quarter's rules draw the lines and judge the outlook
        context.update(chart=selectors.history_chart(cards, book), outlook=selectors.outlook(cards[-1], book))
    return render(request, "scoring/cards/list.html", context)


def _detail(request: HttpRequest, card: ScoreCard, *, form: ScoreAppealForm | None = None,
            status: int = 200) -> HttpResponse:
    page = selectors.card_page(card)
    context = {"page": page, "card": card, "form": form or ScoreAppealForm(), "article": selectors.ARTICLE_APPEAL}
    return render(request, "scoring/cards/detail.html", context, status=status)


@resident_required
@require_GET
def card_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One card: each dimension with the rule behind its band, the verdict, the outlook, the appeal."""
    return _detail(request, _own(request, pk))


@resident_required
@require_POST
def card_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    """申诉: the grounds; refused outside the publication window with its end named."""
    card = _own(request, pk)
    form = ScoreAppealForm(request.POST)
    return submit_form(
        request, form,
        lambda data: services.score_appeal_submit(card=card, resident=request.resident, reason=data["reason"],
                                                  actor=request.user),
        success_url=reverse("scoring:card_detail", args=[card.pk]),
        message=_("Your appeal was received. The answer is due by the time shown."),
        page=lambda status: _detail(request, card, form=form, status=status),
    )


@resident_required
@require_GET
def card_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The resident's own score report (PDF) of one quarter."""
    return report_response(_own(request, pk))


urlpatterns = [
    path("cards/", card_list, name="card_list"),
    path("cards/<int:pk>/", card_detail, name="card_detail"),
    path("cards/<int:pk>/appeal/", card_appeal, name="card_appeal"),
    path("cards/<int:pk>/report.pdf", card_report, name="card_report"),
]
