"""The occupancy report in the operations desk (第四章第一条; UI.md: "occupancy by room type").

Where it lives: ``OccupancyReport`` is a proxy of Booking with only a ``view`` permission, so the
report has its own line under 空间 on the admin index, and the role matrix decides who sees it:
the daily management team (spaces WRITE), the administrator (FULL) and oversight (READ) hold
``spaces.view_occupancyreport``; the resources and intake teams do not (403), residents never
reach the admin. The proxy's admin has no list, form or actions: its "list" URL is the report,
plus an Excel export of the same figures.

The figures and their definitions: spaces.selectors.reports (and docs/spaces.md). The charts are
server-rendered SVG (opc_community.core.charts); the table below them carries the same numbers for
screen readers and for people who would rather read.
"""

import math
from decimal import Decimal

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.core import charts
from opc_community.core.admin_base import ReadOnlyAdmin
from opc_community.core.excel import Column, Sheet, xlsx_response
from spaces.forms.reports import OccupancyFilterForm
from spaces.models import OccupancyReport, RoomType
from spaces.selectors import reports as selectors
from spaces.selectors.reports import OccupancyLine

#: One colour per room type (brand blue, accent amber, light blue: told apart by lightness too).
COLOURS = {
    RoomType.MEETING_ROOM: charts.BRAND,
    RoomType.ROADSHOW_HALL: charts.ACCENT,
    RoomType.NEGOTIATION_ROOM: charts.LIGHT_BLUE,
}

#: Chart columns (px): one per room type side by side, a gap between weeks; the no-show lines keep
#: the same steps, so that both charts show the weeks one above the other.
BAR_WIDTH, GROUP_GAP = 22, 18


@admin.register(OccupancyReport)
class OccupancyReportAdmin(ReadOnlyAdmin):
    """The report page and its export; nothing to add, change or delete."""

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            # Named like a changelist so that the admin index links to the report.
            path("", view(self.report_view), name="spaces_occupancyreport_changelist"),
            path("export/", view(self.export_view), name="spaces_occupancyreport_export"),
        ]

    def _report(self, request: HttpRequest) -> tuple[OccupancyFilterForm, selectors.OccupancyReport | None]:
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = OccupancyFilterForm(request.GET)
        if not form.is_valid():
            return form, None
        start, end, room_type = form.period()
        report = selectors.occupancy_report(start=start, end=end, room_type=room_type)
        # Shown filled in with the period actually reported (the defaults when none was given).
        shown = OccupancyFilterForm(QueryDict(_query(form)))
        shown.is_valid()
        return shown, report

    def report_view(self, request: HttpRequest) -> HttpResponse:
        """Utilisation and no-show rate by ISO week and room type: two charts, then the figures."""
        if request.method != "GET":
            return HttpResponse(status=405, headers={"Allow": "GET"})
        form, report = self._report(request)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Room occupancy"),
            "opts": self.model._meta,
            "form": form,
            "report": report,
        }
        if report is not None:
            week_totals = report.week_totals()
            context.update({
                "utilisation_chart": utilisation_chart(report),
                "no_show_chart": no_show_chart(report),
                "weeks": [
                    {"total": total, "lines": [report.line(total.week, kind) for kind in report.room_types]}
                    for total in week_totals
                ],
                "rules": _rules_text(report),
                "export_url": f"{reverse('admin:spaces_occupancyreport_export')}?{_query(form)}",
            })
        return TemplateResponse(request, "spaces/reports/admin/occupancy.html", context)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The same figures as an Excel workbook: week by week, then by room type over the period."""
        if request.method != "GET":
            return HttpResponse(status=405, headers={"Allow": "GET"})
        form, report = self._report(request)
        if report is None:
            return self.report_view(request)  # the page shows the form's errors
        rows = [line for total in report.week_totals() for line in
                [*(report.line(total.week, kind) for kind in report.room_types), total]]
        return xlsx_response(
            f"occupancy-{report.start:%Y%m%d}-{report.end:%Y%m%d}",
            Sheet(_("By week"), excel_columns(weekly=True), rows),
            Sheet(_("By room type"), excel_columns(weekly=False), [*report.by_type, report.total]),
        )


def _query(form: OccupancyFilterForm) -> str:
    query = QueryDict(mutable=True)
    start, end, room_type = form.period()
    query["from"], query["to"] = start.isoformat(), end.isoformat()
    if room_type:
        query["room_type"] = room_type
    return query.urlencode()


def _rules_text(report: selectors.OccupancyReport) -> list[str]:
    """The rule behind the figures: opening hours per type and the no-show release (第四章第一条)."""
    if report.rules is None:
        return []
    booking = report.rules.booking
    texts = [
        _("%(type)s: open daily %(opens)s–%(closes)s (Chapter 4, Article 1).") % {
            "type": RoomType(kind).label,
            "opens": f"{booking.room_types[kind].opens:%H:%M}",
            "closes": f"{booking.room_types[kind].closes:%H:%M}",
        }
        for kind in report.room_types
    ]
    texts.append(
        _("A booking not checked in %(minutes)s minutes after its start is released and counted as a no-show "
          "(Chapter 4, Article 1).") % {"minutes": booking.no_show_release_minutes}
    )
    return texts


# --- Excel ------------------------------------------------------------------------------------------


def _fraction(value: Decimal | None) -> Decimal | None:
    """Percent → the fraction Excel's percent format expects."""
    return None if value is None else value / 100


def excel_columns(*, weekly: bool) -> list[Column]:
    columns = []
    if weekly:
        columns += [
            Column(gettext_lazy("ISO week"), lambda line: line.week_label, width=10),
            Column(gettext_lazy("week starts on"), lambda line: line.week, "date", width=12),
            Column(gettext_lazy("week ends on"), lambda line: line.week_ends_on, "date", width=12),
        ]
    columns += [
        Column(gettext_lazy("room type"), lambda line: line.room_type_label, width=14),
        Column(gettext_lazy("days"), lambda line: line.days, "number", width=8),
        Column(gettext_lazy("number of rooms"), lambda line: line.rooms, "number", width=8),
        Column(gettext_lazy("available hours"), lambda line: line.available_hours, "number", width=12),
        Column(gettext_lazy("hours used (checked in)"), lambda line: line.used_hours, "number", width=14),
        Column(gettext_lazy("utilisation"), lambda line: _fraction(line.utilisation), "percent", width=10),
        Column(gettext_lazy("hours lost to no-shows"), lambda line: line.lost_hours, "number", width=14),
        Column(gettext_lazy("hours reserved (not yet used)"), lambda line: line.reserved_hours, "number", width=14),
        Column(gettext_lazy("number of bookings"), lambda line: line.bookings, "number", width=10),
        Column(gettext_lazy("checked-in bookings"), lambda line: line.checked_in, "number", width=10),
        Column(gettext_lazy("no-shows"), lambda line: line.no_shows, "number", width=10),
        Column(gettext_lazy("no-show rate"), lambda line: _fraction(line.no_show_rate), "percent", width=10),
        Column(gettext_lazy("cancellations"), lambda line: line.cancellations, "number", width=10),
        Column(gettext_lazy("confirmed, not yet used"), lambda line: line.confirmed, "number", width=12),
    ]
    return columns


# --- Charts (opc_community.core.charts) ------------------------------------------------------------------


def _axis(values: list[Decimal | None]) -> charts.Axis:
    """Percent up to 100 when a value passes 50 %, else up to the next multiple of 10 (≥ 10);
    gridlines at quarters or fifths of it."""
    highest = max((float(value) for value in values if value is not None), default=0.0)
    top = max(100, math.ceil(highest / 10) * 10) if highest > 50 else max(10, math.ceil(highest / 10) * 10)
    ticks = [top * n // 4 for n in range(5)] if top % 4 == 0 else [top * n // 5 for n in range(6)]
    return charts.Axis(top, ticks, "{}%")


def _weeks(report: selectors.OccupancyReport) -> tuple[list[str], list[str]]:
    """The axis labels: "W46" above its Monday "11/09"."""
    return [f"W{week.isocalendar()[1]:02d}" for week in report.weeks], [f"{week:%m/%d}" for week in report.weeks]


def _legend(report: selectors.OccupancyReport) -> list[tuple[str, str]]:
    return [(RoomType(kind).label, COLOURS[kind]) for kind in report.room_types]


def _text(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}"


def utilisation_chart(report: selectors.OccupancyReport) -> charts.Chart:
    """Grouped columns: per ISO week one column per room type, height = utilisation %."""
    labels, dates = _weeks(report)
    groups = []
    for week, label, day in zip(report.weeks, labels, dates, strict=True):
        lines = [report.line(week, kind) for kind in report.room_types]
        marks = [charts.Mark(line.utilisation, _bar_title(line), _text(line.utilisation), COLOURS[line.room_type])
                 for line in lines]
        groups.append(charts.Group(label, marks, day))
    return charts.histogram(
        groups, chart_id="utilisation", css_class="occupancy-chart", title=_("Utilisation by week and room type"),
        desc=_("For each ISO week, one bar per room type: the share of opening hours used by checked-in bookings, "
               "in percent. The table below gives the same numbers."),
        axis=_axis([line.utilisation for line in report.lines]), bar_width=BAR_WIDTH, group_gap=GROUP_GAP,
        legend=_legend(report),
    )


def _bar_title(line: OccupancyLine) -> str:
    return _("%(week)s · %(type)s: %(used)s of %(available)s hours used (%(rate)s)") % {
        "week": line.week_label,
        "type": line.room_type_label,
        "used": line.used_hours,
        "available": line.available_hours,
        "rate": "—" if line.utilisation is None else f"{line.utilisation}%",
    }


def _point_title(line: OccupancyLine) -> str:
    return _("%(week)s · %(type)s: %(no_shows)s no-shows of %(finished)s bookings (%(rate)s%%)") % {
        "week": line.week_label,
        "type": line.room_type_label,
        "no_shows": line.no_shows,
        "finished": line.no_shows + line.checked_in,
        "rate": line.no_show_rate,
    }


def no_show_chart(report: selectors.OccupancyReport) -> charts.Chart:
    """One line per room type: the no-show rate week by week (a gap where no booking had an outcome)."""
    labels, dates = _weeks(report)
    series = []
    for kind in report.room_types:
        lines = [report.line(week, kind) for week in report.weeks]
        points = [None if line.no_show_rate is None else charts.Mark(line.no_show_rate, _point_title(line),
                                                                     _text(line.no_show_rate))
                  for line in lines]
        series.append(charts.Series(RoomType(kind).label, COLOURS[kind], points))
    return charts.line_chart(
        labels, series, chart_id="no-show", css_class="occupancy-chart", title=_("No-show rate by week and room type"),
        desc=_("For each room type, a line through the weekly no-show rate: no-shows ÷ (checked in + no-shows), in "
               "percent; weeks without a finished booking leave a gap. The table below gives the same numbers."),
        axis=_axis([line.no_show_rate for line in report.lines]), sublabels=dates,
        step=len(report.room_types) * BAR_WIDTH + GROUP_GAP, legend=_legend(report),
    )
