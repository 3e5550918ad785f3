"""The intake funnel in the operations desk (第二章第二条1 招商入驻组): conversion (applications → approved →
signed → checked in) and retention (renewed, exited by kind) by month and by source (portal / paper), with
a chart and an Excel workbook. ``IntakeFunnel`` is a proxy with only a ``view`` permission: the intake
team, the administrator and oversight hold it through the role matrix. Figures:
residents.selectors.funnel (three aggregate queries); decisions in docs/residents.md."""

from datetime import date

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.core import charts
from opc_community.core.admin_base import ReadOnlyAdmin
from opc_community.core.excel import Column, Sheet, xlsx_response
from residents.models import ExitKind, IntakeFunnel
from residents.selectors import funnel as selectors

#: Who reads the funnel: the intake team, the administrator and oversight.
FUNNEL_ROLES = (Role.INTAKE, Role.ADMINISTRATOR, Role.OVERSIGHT)
#: The page shows the twelve months up to this one by default.
MONTHS_SHOWN = 12
SOURCE_LABELS = {"": gettext_lazy("all sources"), selectors.PORTAL: gettext_lazy("portal"),
                 selectors.PAPER: gettext_lazy("paper application")}
STAGES = (
    ("applications", gettext_lazy("applications"), charts.GREY),
    ("approved", gettext_lazy("approved"), charts.LIGHT_BLUE),
    ("signed", gettext_lazy("signed"), charts.ACCENT),
    ("checked_in", gettext_lazy("checked in"), charts.BRAND),
)


def _window(request: HttpRequest) -> tuple[date, date]:
    """The months asked for (``?year=2026``: that calendar year), else the last twelve."""
    today = timezone.localdate()
    year = request.GET.get("year", "")
    if year.isdigit() and 2000 <= int(year) <= today.year:
        return date(int(year), 1, 1), date(int(year), 12, 1)
    last = today.replace(day=1)
    first = date(last.year, 1, 1) if last.month == 12 else date(last.year - 1, last.month + 1, 1)
    return first, last


def _source(request: HttpRequest) -> str:
    source = request.GET.get("source", "")
    return source if source in selectors.SOURCES else ""


def funnel_chart(lines: list[selectors.MonthLine], *, title: str) -> charts.Chart:
    groups = [charts.Group(label=f"{line.month:%m}", sublabel=f"{line.month:%Y}" if line.month.month == 1 else "",
                           marks=[charts.Mark(getattr(line, key), f"{line.month:%Y-%m} {label}: {getattr(line, key)}",
                                              colour=colour) for key, label, colour in STAGES])
              for line in lines]
    largest = max((line.applications for line in lines), default=0)
    return charts.histogram(
        groups, chart_id="intake-funnel", css_class="chart chart--funnel", title=title,
        desc=_("Applications submitted each month and how many of them were approved, signed and checked in."),
        axis=charts.Axis.counting(largest), bar_width=9, group_gap=10,
        legend=[(str(label), colour) for _key, label, colour in STAGES],
    )


@admin.register(IntakeFunnel)
class IntakeFunnelAdmin(ReadOnlyAdmin):
    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("", view(self.funnel_view), name="residents_intakefunnel_changelist"),
            path("export/", view(self.export_view), name="residents_intakefunnel_export"),
        ]

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Other teams read the residents app, but the funnel is the intake team's work (第二章第二条1).
        return super().has_view_permission(request, obj) and has_role(request.user, *FUNNEL_ROLES)

    def _check(self, request: HttpRequest) -> None:
        if not self.has_view_permission(request):
            raise PermissionDenied

    def funnel_view(self, request: HttpRequest) -> HttpResponse:
        self._check(request)
        first, last = _window(request)
        source = _source(request)
        funnel = selectors.funnel(first=first, last=last)
        lines = funnel.lines(source)
        query = request.GET.urlencode()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Intake funnel"),
            "opts": self.model._meta,
            "lines": lines,
            "total": funnel.total[source],
            "exit_kinds": ExitKind.choices,
            "chart": funnel_chart(lines, title=_("Intake funnel by month (%(source)s)")
                                  % {"source": SOURCE_LABELS[source]}),
            "sources": [(key, label, key == source) for key, label in SOURCE_LABELS.items()],
            "years": range(timezone.localdate().year, timezone.localdate().year - 3, -1),
            "export_url": reverse("admin:residents_intakefunnel_export") + (f"?{query}" if query else ""),
            "source_label": SOURCE_LABELS[source],
        }
        return TemplateResponse(request, "residents/admin/funnel.html", context)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The figures of the page as a workbook: one sheet per source and one for both."""
        self._check(request)
        first, last = _window(request)
        funnel = selectors.funnel(first=first, last=last)
        return xlsx_response(
            f"intake-funnel-{first:%Y%m}-{last:%Y%m}",
            *(Sheet(SOURCE_LABELS[source], COLUMNS, funnel.lines(source)) for source in ("", *selectors.SOURCES)),
        )


COLUMNS = [
    Column(gettext_lazy("month"), lambda line: f"{line.month:%Y-%m}", width=10),
    *(Column(label, lambda line, key=key: getattr(line, key), "number", width=10) for key, label, _c in STAGES),
    Column(gettext_lazy("checked in of applications (%)"), lambda line: line.conversion, "number", width=14),
    Column(gettext_lazy("renewed"), lambda line: line.renewed, "number", width=10),
    *(Column(label, lambda line, kind=kind: line.exits[kind], "number", width=12) for kind, label in ExitKind.choices),
]
