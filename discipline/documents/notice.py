"""《违规整改通知书》 as a PDF (WeasyPrint, Noto Sans CJK SC embedded; extends templates/pdf/base.html).

Addressed to the resident, or to an occupant who is not one (1a; handed over in person) (full name: the
notice is not public): facts, the article violated
(第八章第二条 + the kind's name and category), the requirement and the deadline, what the penalty table
prescribes on the next same-kind violation, and how to ask for review (复核). Every number comes from
the notice row and the rulebook in force on the day of the violation, so a reprint says the same.
"""

from typing import Any

from django.conf import settings
from django.utils import timezone, translation

from discipline.models import RectificationNotice
from discipline.selectors import cases as selectors
from opc_community import rulebook
from opc_community.core.documents import render_pdf

TEMPLATE = "discipline/cases/notice_pdf.html"


def notice_context(notice: RectificationNotice) -> dict[str, Any]:
    """Everything the notice template shows."""
    case = notice.case
    book = rulebook.in_force(on=case.occurred_on)
    kind = book.violations.kinds.get(case.kind)
    preview = selectors.decision_preview(case) if case.same_kind_count is None else None
    count = case.same_kind_count or (preview.count if preview else 1)
    return {
        "notice": notice,
        "case": case,
        "resident": case.resident,
        "application": case.resident.application if case.resident_id is not None else None,
        "occupant": case.resident_id is None,
        "ban_years": book.bans.occupancy_years,
        "kind": kind,
        "article": selectors.ARTICLE,
        "count": count,
        "current_measures": preview.measure_texts if preview else [],
        "next_step": selectors.next_step_text(case, count=count),
        "window_days": book.deadlines.publication_window_working_days,
        "answer_days": book.deadlines.appeal_answer_working_days,
        "lookback_days": book.violations.lookback_days,
        "issued_on": timezone.localdate(notice.issued_at),
    }


def render_notice(notice: RectificationNotice) -> bytes:
    """The notice rendered to PDF bytes, in Chinese."""
    with translation.override(settings.LANGUAGE_CODE):
        context = notice_context(notice)
    return render_pdf(TEMPLATE, context)
