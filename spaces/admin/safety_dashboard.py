"""The staff safety dashboard and the yearly safety report in the operations desk (第七章).

Where it lives: ``SafetyDashboard`` is a proxy of Incident with only a ``view`` permission, so the page
has its own line under 空间 on the admin index, and the role matrix decides who sees it: the daily
management team (spaces WRITE), the administrator (FULL) and oversight (READ) hold
``spaces.view_safetydashboard``; the resources and intake teams do not (403), residents never reach the
admin. Its "list" URL is the dashboard; ``report/<year>/`` is the yearly report as an Excel workbook.
The figures: spaces.selectors.safety (``dashboard``, ``yearly_report``); docs/safety.md.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.core.admin_base import ReadOnlyAdmin
from opc_community.core.excel import Column, Sheet, xlsx_response
from spaces.models import IncidentSeverity, SafetyDashboard
from spaces.selectors import safety as selectors

#: Years offered for the report: this one and the ones before it.
REPORT_YEARS = 3


@admin.register(SafetyDashboard)
class SafetyDashboardAdmin(ReadOnlyAdmin):
    """The dashboard page and the yearly report; nothing to add, change or delete."""

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            # Named like a changelist so that the admin index links to the dashboard.
            path("", view(self.dashboard_view), name="spaces_safetydashboard_changelist"),
            path("report/<int:year>/", view(self.report_view), name="spaces_safetydashboard_report"),
            path("report/<int:year>/pdf/", view(self.report_pdf_view), name="spaces_safetydashboard_report_pdf"),
        ]

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method != "GET":
            return HttpResponse(status=405, headers={"Allow": "GET"})
        return None

    def dashboard_view(self, request: HttpRequest) -> HttpResponse:
        if refused := self._check(request):
            return refused
        board = selectors.dashboard(now=timezone.now())
        labels = {"": _("not yet triaged"), **dict(IncidentSeverity.choices)}
        context = {
            **self.admin_site.each_context(request),
            "title": _("Safety dashboard"),
            "opts": self.model._meta,
            "board": board,
            "severities": [(labels[severity], n, severity) for severity, n in board.incidents_by_severity],
            "incidents_url": reverse("admin:spaces_incident_changelist"),
            "register_url": reverse("admin:spaces_fireequipment_changelist"),
            "reports": [(year, reverse("admin:spaces_safetydashboard_report", args=[year]),
                         reverse("admin:spaces_safetydashboard_report_pdf", args=[year]))
                        for year in range(board.today.year, board.today.year - REPORT_YEARS, -1)],
        }
        return TemplateResponse(request, "spaces/safety/admin/dashboard.html", context)

    def report_pdf_view(self, request: HttpRequest, year: int) -> HttpResponse:
        """The yearly safety report as a PDF (spaces.documents.safety_report)."""
        from spaces.documents.safety_report import render_safety_report

        if refused := self._check(request):
            return refused
        if not 2000 <= year <= 2100:
            raise Http404
        pdf = render_safety_report(year=year, now=timezone.now())
        return HttpResponse(pdf, content_type="application/pdf",
                            headers={"Content-Disposition": f'attachment; filename="safety-report-{year}.pdf"'})

    def report_view(self, request: HttpRequest, year: int) -> HttpResponse:
        """The yearly safety report as an Excel workbook: register, inspections by month, defects and
        their closing, incidents by category and severity with response times."""
        if refused := self._check(request):
            return refused
        report = selectors.yearly_report(year=year, now=timezone.now())
        return xlsx_response(
            f"safety-report-{year}",
            Sheet(_("Equipment register"), REGISTER_COLUMNS, report.register),
            Sheet(_("Inspections by month"), MONTH_COLUMNS, report.months),
            Sheet(_("Defects"), DEFECT_COLUMNS, report.defects),
            Sheet(_("Incidents"), INCIDENT_COLUMNS, report.incidents),
        )


def _expiry(item: object) -> str:
    state = getattr(item, "expiry", None)
    return {"expired": _("Expired"), "expiring": _("Expiring soon")}.get(state or "", "")


def _days_to_close(item: object) -> int | None:
    closed, opened = getattr(item, "closed_at", None), getattr(item, "opened_at", None)
    return None if closed is None or opened is None else (closed - opened).days


REGISTER_COLUMNS = [
    Column(gettext_lazy("equipment code"), lambda item: item.code, width=10),
    Column(gettext_lazy("equipment type"), lambda item: item.get_equipment_type_display(), width=14),
    Column(gettext_lazy("location"), lambda item: item.location, width=20),
    Column(gettext_lazy("status"), lambda item: item.get_status_display(), width=10),
    Column(gettext_lazy("installed on"), lambda item: item.installed_on, "date", width=12),
    Column(gettext_lazy("expires on"), lambda item: item.expires_on, "date", width=12),
    Column(gettext_lazy("last inspected on"), lambda item: item.last_inspected_on, "date", width=12),
    Column(gettext_lazy("next inspection by"), lambda item: item.due_on, "date", width=12),
    Column(gettext_lazy("inspection overdue"), lambda item: _("Yes") if item.overdue else "", width=10),
    Column(gettext_lazy("expiry"), _expiry, width=12),
]

MONTH_COLUMNS = [
    Column(gettext_lazy("month"), lambda line: f"{line.month:%Y-%m}", width=10),
    Column(gettext_lazy("items inspected"), lambda line: line.total, "number", width=12),
    Column(gettext_lazy("passed"), lambda line: line.passed, "number", width=10),
    Column(gettext_lazy("defects found"), lambda line: line.defects, "number", width=12),
]

DEFECT_COLUMNS = [
    Column(gettext_lazy("defect"), lambda item: item.title, width=30),
    Column(gettext_lazy("equipment"), lambda item: item.equipment.code if item.equipment else "", width=10),
    Column(gettext_lazy("incident"), lambda item: item.incident.number if item.incident else "", width=16),
    Column(gettext_lazy("opened at"), lambda item: item.opened_at, "datetime", width=16),
    Column(gettext_lazy("status"), lambda item: item.get_status_display(), width=8),
    Column(gettext_lazy("closed at"), lambda item: item.closed_at, "datetime", width=16),
    Column(gettext_lazy("days to close"), _days_to_close, "number", width=10),
    Column(gettext_lazy("closed by"), lambda item: str(item.closed_by) if item.closed_by else "", width=12),
    Column(gettext_lazy("what was done"), lambda item: item.closing_note, width=30),
]

INCIDENT_COLUMNS = [
    Column(gettext_lazy("category"), lambda line: line.category_label, width=14),
    Column(gettext_lazy("severity"), lambda line: line.severity_label or _("not yet triaged"), width=12),
    Column(gettext_lazy("reported"), lambda line: line.reported, "number", width=10),
    Column(gettext_lazy("closed"), lambda line: line.closed, "number", width=10),
    Column(gettext_lazy("past the response deadline"), lambda line: line.late, "number", width=14),
    Column(gettext_lazy("average hours from report to triage"), lambda line: line.hours_to_triage, "number",
           width=16),
    Column(gettext_lazy("average hours from triage to close"), lambda line: line.hours_to_close, "number",
           width=16),
]
