"""The service-quality page's pieces (服务公示, 第四章第四条 2): each section's table and chart from its figures.

The figures come from the apps through ``registry.register_service_figures``; this module only writes
them: months as 2026年10月, shares as 96.5%, working days as "1.5 个工作日".
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from opc_community.core import charts
from opc_community.notices.rules import ServiceFigure, ServiceSection

#: The colours of the lines of one chart, in the order of the section's charted figures.
COLOURS = (charts.BRAND, charts.ACCENT, charts.LIGHT_BLUE, charts.GREY)


@dataclass(frozen=True)
class SectionView:
    section: ServiceSection
    headers: list[str]
    rows: list[list[str]]  # one per month: the month, then each figure's value
    chart: charts.Chart | None


def month_label(month: date) -> str:
    return _("%(month)s/%(year)s") % {"year": month.year, "month": month.month}


def figure_text(figure: ServiceFigure, value: Decimal | int | None) -> str:
    if value is None:
        return "—"
    if figure.unit == "percent":
        return f"{value}%"
    if figure.unit == "working_days":
        return _("%(days)s working days") % {"days": value}
    return str(value)


def section_view(section: ServiceSection, months: Sequence[date]) -> SectionView:
    headers = [_("Month"), *(figure.label for figure in section.figures)]
    rows = [
        [
            month_label(month),
            *(figure_text(figure, figure.values[index]) for figure in section.figures),
        ]
        for index, month in enumerate(months)
    ]
    return SectionView(section=section, headers=headers, rows=rows, chart=_chart(section, months))


def _chart(section: ServiceSection, months: Sequence[date]) -> charts.Chart | None:
    """A line per charted share (0–100 %) across the months; a month without a value leaves a gap."""
    charted = [figure for figure in section.figures if figure.charted]
    if not charted:
        return None
    series = [
        charts.Series(
            label=figure.label,
            colour=colour,
            points=[
                None
                if value is None
                else charts.Mark(
                    value=value,
                    title=f"{month_label(month)} {figure.label} {figure_text(figure, value)}",
                    text=figure_text(figure, value),
                )
                for month, value in zip(months, figure.values, strict=True)
            ],
        )
        for figure, colour in zip(charted, COLOURS, strict=False)
    ]
    return charts.line_chart(
        [_("Month %(month)s") % {"month": month.month} for month in months],
        series,
        chart_id=f"quality-{section.key}",
        css_class="quality-chart",
        title=section.title,
        desc=_(
            "One line per share, month by month, in percent; a month with nothing to measure leaves a gap. "
            "The table below gives the same numbers."
        ),
        axis=charts.Axis(100, (0, 25, 50, 75, 100), "{}%"),
        sublabels=[str(month.year) for month in months],
        legend=[(figure.label, colour) for figure, colour in zip(charted, COLOURS, strict=False)],
        step=56,
    )
