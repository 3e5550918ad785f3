"""The yearly safety report as a PDF (第七章), next to the Excel workbook: the same figures
(``spaces.selectors.safety.yearly_report``) plus the year's drills (through the drill source of
``spaces.extensions``). Chinese, A4, Noto Sans CJK SC (templates/pdf/base.html)."""

from datetime import datetime

from django.conf import settings
from django.utils import translation

from opc_community import rulebook
from opc_community.core.documents import render_pdf
from spaces.extensions import drill_summary
from spaces.selectors import safety as selectors

TEMPLATE = "spaces/safety/report_pdf.html"


def render_safety_report(*, year: int, now: datetime) -> bytes:
    """The report of ``year`` rendered to PDF bytes, in Chinese."""
    from opc_community.workdays.rules import local_date

    report = selectors.yearly_report(year=year, now=now)
    today = local_date(now)
    safety = rulebook.in_force(on=today).safety
    register = report.register
    context = {
        "report": report,
        "today": today,
        "in_use": [item for item in register if item.status != "retired"],
        "overdue": sum(1 for item in register if item.overdue),
        "expiring": sum(1 for item in register if item.expiry),
        "drills": drill_summary(year=year, now=now),
        "drills_minimum": int(safety.min_drills_per_year),
        "open_defects": sum(1 for item in report.defects if item.status == "open"),
    }
    with translation.override(settings.LANGUAGE_CODE):
        return render_pdf(TEMPLATE, context)
