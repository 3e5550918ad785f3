"""The score report of one resident and quarter (季度考核成绩单) as a PDF (WeasyPrint, Noto Sans CJK SC;
extends templates/pdf/base.html).

Addressed to the resident (full name: the report is not public): each dimension with its value, points
and the rule behind the band (第六章第一条), the total, the rank, the verdict with its reasons and what the
next quarter needs (第六章第二条), the previous quarters, and how to appeal (第六章第三条). Every number
comes from the stored card and the rulebook version the quarter was scored with, so a reprint says the
same.
"""

from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone, translation

from opc_community.core.documents import render_pdf
from opc_community.core.uploads import attachment_response
from scoring.models import ScoreCard
from scoring.selectors import cards as selectors
from scoring.selectors.quarters import rules_for

TEMPLATE = "scoring/cards/report_pdf.html"


def report_number(card: ScoreCard) -> str:
    """KH-2026Q3-00042: the quarter and the card."""
    return f"KH-{card.quarter.year}Q{card.quarter.number}-{card.pk:05d}"


def report_context(card: ScoreCard) -> dict[str, Any]:
    """Everything the report shows (card with quarter and resident loaded; three queries: the rulebook
    version, the cohort size and the resident's earlier cards)."""
    book = rules_for(card.quarter)
    history = list(
        ScoreCard.objects.filter(resident_id=card.resident_id, quarter__year__lte=card.quarter.year)
        .exclude(pk=card.pk).select_related("quarter").order_by("-quarter__year", "-quarter__number")[:4]
    )
    history = [c for c in history if (c.quarter.year, c.quarter.number) < (card.quarter.year, card.quarter.number)]
    return {
        "card": card,
        "resident": card.resident,
        "quarter": card.quarter,
        "number": report_number(card),
        "lines": selectors.explain(card, book),
        "outlook": selectors.outlook(card, book),
        "cohort": ScoreCard.objects.filter(quarter_id=card.quarter_id).count(),
        "history": history,
        "rulebook_version": book.version,
        "answer_days": book.deadlines.appeal_answer_working_days,
        "window_days": book.deadlines.publication_window_working_days,
        "issued_on": timezone.localdate(card.computed_at),
        "articles": (selectors.ARTICLE_SCORING, selectors.ARTICLE_ELIMINATION, selectors.ARTICLE_APPEAL),
    }


def render_report(card: ScoreCard) -> bytes:
    """The report rendered to PDF bytes, in Chinese."""
    with translation.override(settings.LANGUAGE_CODE):
        context = report_context(card)
    return render_pdf(TEMPLATE, context)


def report_response(card: ScoreCard) -> HttpResponse:
    """The report as a PDF download (rendered on request: it is a reading of stored data)."""
    return attachment_response(
        render_report(card), download_name=f"{report_number(card)}.pdf", content_type="application/pdf"
    )
