"""The monthly discipline report for staff (第八章第二条), in the operations desk's
look: ``/portal/discipline/staff/report/?month=2026-10`` and its Excel export ``…/report/export/``;
and the staff shortcut from the no-show candidates (spaces) to a "misuse of space" case (2c):
``/portal/discipline/staff/no-show-case/<resident id>/``.

Who: staff of the daily management team, the administrator and oversight (read-only for all: the
page changes nothing). Anyone else logged in → 403; anonymous → the admin login.
The figures and their definitions: discipline.selectors.reports. The chart is server-rendered SVG
(opc_community.core.charts: a title, a description and a tooltip per bar); the table under it
carries the same numbers for screen readers and for people who would rather read.
"""

from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from discipline.models import CaseStatus, SuspensionScope
from discipline.selectors import reports as selectors
from opc_community.accounts.permissions import has_role
from opc_community.core import charts
from opc_community.core.errors import DomainError
from opc_community.core.excel import Column, Sheet, xlsx_response
from opc_community.core.moments import format_day, format_moment

REPORT_ROLES = selectors.REPORT_ROLES


def report_staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Staff login (anonymous → the admin login page), then one of :data:`REPORT_ROLES` (else 403)."""

    @staff_member_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not has_role(request.user, *REPORT_ROLES):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


# --- The chart (opc_community.core.charts) ------------------------------------------------------------

#: The three groups of case statuses (discipline.selectors.reports.STATUS_GROUPS), brand blue for the
#: penalties, amber for the cases still in progress, grey for those set aside — told apart by lightness too.
SERIES = (
    ("penalties", gettext_lazy("penalties (decided, published, confirmed)"), charts.BRAND),
    ("in_progress", pgettext_lazy("violation case", "in progress"), charts.ACCENT),
    ("set_aside", gettext_lazy("set aside (annulled, dismissed)"), charts.GREY),
)


def case_chart(report: selectors.MonthlyReport) -> charts.Chart:
    """The month's cases per violation kind, one stacked bar per kind, its total after it."""
    rows, largest = [], 0
    for line in report.kinds:
        marks = [charts.Mark(line.groups[key], f"{line.label} · {label}: {line.groups[key]}", colour=colour)
                 for key, label, colour in SERIES if line.groups.get(key)]
        total = sum(line.groups.values())
        rows.append(charts.Row(line.label, marks, text=str(total)))
        largest = max(largest, total)
    return charts.bar_chart(
        rows, chart_id="dr-chart", css_class="dr-chart", title=_("Cases opened by violation kind"),
        desc=_("For each violation kind, the cases opened in the month: penalties (blue), still in progress "
               "(amber), set aside (grey); the table below gives the same numbers."),
        axis=charts.Axis.counting(largest), stacked=True,
        width=720, label_width=250, bar_height=18, legend=[(label, colour) for _key, label, colour in SERIES],
    )


# --- Pages ----------------------------------------------------------------------------------------------


def _month(request: HttpRequest) -> tuple[date, str]:
    """The month asked for (default: this month) and the error to show when it was not a month."""
    try:
        return selectors.parse_month(request.GET.get("month")), ""
    except DomainError as error:
        return selectors.parse_month(None), str(error.message)


def _scope_label(scope: str) -> str:
    return str(SuspensionScope(scope).label)


@require_GET
@report_staff_required
def report_page(request: HttpRequest) -> HttpResponse:
    """Cases by kind and status, fines, suspensions, forced exits and appeals of one month."""
    month, error = _month(request)
    report = selectors.monthly_report(month, now=timezone.now())
    context = {
        **admin.site.each_context(request),
        "title": _("Discipline: monthly report"),
        "month": month,
        "month_value": f"{month:%Y-%m}",
        "month_error": error,
        "report": report,
        "chart": case_chart(report),
        "statuses": CaseStatus.choices,
        "suspension_lines": [(_scope_label(scope), n) for scope, n in report.suspensions_by_scope.items()],
        "export_url": f"{reverse('discipline:report_export')}?month={month:%Y-%m}",
        "api_url": f"{reverse('discipline-report-list')}?month={month:%Y-%m}",
        "previous_month": f"{selectors.shift_month(month, -1):%Y-%m}",
        "next_month": f"{selectors.shift_month(month, 1):%Y-%m}",
    }
    return TemplateResponse(request, "discipline/reports/monthly.html", context)


#: Sheet 1: cases by kind, one column per status.
def _kind_columns() -> list[Column]:
    columns = [Column(gettext_lazy("violation kind"), lambda line: line.label, width=34)]
    for index, (_code, label) in enumerate(CaseStatus.choices):
        columns.append(Column(label, lambda line, i=index: line.cells[i], "number", 12))
    columns.append(Column(gettext_lazy("total"), lambda line: line.total, "number", 10))
    return columns


#: Sheet 2: the key figures, counts in one column and sums of money (yuan format) in the other.
SUMMARY_COLUMNS = [
    Column(gettext_lazy("figure"), lambda row: row[0], width=48),
    Column(gettext_lazy("count"), lambda row: row[1] if row[2] == "number" else None, "number", 12),
    Column(gettext_lazy("amount"), lambda row: row[1] if row[2] == "money" else None, "money", 16),
]

CASE_COLUMNS = [
    Column(gettext_lazy("case number"), lambda c: c.number, width=20),
    Column(pgettext_lazy("violation case", "opened at"), lambda c: c.found_at, "datetime", 18),
    Column(gettext_lazy("occurred on"), lambda c: c.occurred_on, "date", 12),
    Column(gettext_lazy("case against"), lambda c: c.subject_name, width=18),
    Column(gettext_lazy("violation kind"), lambda c: c.kind, width=10),
    Column(gettext_lazy("status"), lambda c: c.get_status_display(), width=20),
    Column(gettext_lazy("notice number"), lambda c: _notice_number(c), width=22),
    Column(gettext_lazy("automatic"), lambda c: _("yes") if c.source_key else _("no"), width=10),
]


def _notice_number(case: Any) -> str:
    notice = getattr(case, "notice", None)
    return notice.number if notice is not None else ""


@require_GET
@report_staff_required
def report_export(request: HttpRequest) -> HttpResponse:
    """The same month as an Excel workbook: cases by kind and status, the figures, the cases themselves."""
    month, _error = _month(request)
    report = selectors.monthly_report(month, now=timezone.now())
    return xlsx_response(
        f"discipline-{month:%Y-%m}",
        Sheet(_("Cases by kind"), _kind_columns(), [*report.kinds, report.total]),
        Sheet(_("Key figures"), SUMMARY_COLUMNS, report.summary),
        Sheet(_("Cases"), CASE_COLUMNS, selectors.month_cases(month)),
    )


# --- From the no-show candidates to a misuse-of-space case (RULEBOOK §5 decision; 第八章第二条 2c) --------

#: The violation staff may open for a resident with too many no-shows ("misuse of space").
NO_SHOW_KIND = "2c"


def case_handler_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Staff login, then the daily management team or the administrator (who open cases), else 403."""
    from discipline.services.cases import CASE_HANDLERS

    @staff_member_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not has_role(request.user, *CASE_HANDLERS):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _no_show_facts(resident: Any, *, since: date, limit: int, days: int) -> str:
    return _(
        "%(count)d bookings released as no-shows (nobody checked in) since %(since)s, the latest on %(last)s; "
        "the limit is %(limit)d within %(days)d days (RULEBOOK §5)."
    ) % {
        "count": resident.no_shows, "since": format_day(since),
        "last": format_moment(resident.last_no_show_at),
        "limit": limit, "days": days,
    }


@require_http_methods(["GET", "POST"])
@case_handler_required
def no_show_case(request: HttpRequest, resident_id: int) -> HttpResponse:
    """Confirm, then open a "misuse of space" case (2c) for a no-show candidate.

    Only a resident who is a candidate now (``spaces.selectors.bookings.no_show_candidates``) — any other
    id is a 404. The case happened on the day of the latest no-show; its source key names the resident
    and that no-show, so a second click (or a second staff member) finds the case already opened.
    The case then follows the 处罚流程 like any other (verify with evidence, notice, decision).
    """
    from discipline.services.cases import case_open
    from opc_community import rulebook
    from spaces.selectors.bookings import no_show_candidates

    now = timezone.now()
    book = rulebook.in_force(on=timezone.localdate(now))
    resident = get_object_or_404(no_show_candidates(now=now, rules_in_force=book).select_related("user"),
                                 pk=resident_id)
    section = book.booking
    since = timezone.localdate(now) - timedelta(days=section.no_show_window_days)
    facts = _no_show_facts(resident, since=since, limit=section.no_show_limit, days=section.no_show_window_days)
    occurred_on = timezone.localdate(resident.last_no_show_at)
    error = ""
    if request.method == "POST":
        facts = (request.POST.get("facts") or "").strip() or facts
        try:
            case = case_open(
                resident=resident, kind=NO_SHOW_KIND, occurred_on=occurred_on, facts=facts, actor=request.user,
                source_key=f"noshow:{resident.pk}:{resident.last_no_show_at:%Y%m%d%H%M}",
            )
        except DomainError as problem:
            error = str(problem.message)
        else:
            messages.success(request, _("Case %(number)s (misuse of space) is open; verify it with the evidence next.")
                             % {"number": case.number})
            return HttpResponseRedirect(reverse("admin:discipline_violationcase_change", args=[case.pk]))
    context = {
        **admin.site.each_context(request),
        "title": _("Open a misuse-of-space case"),
        "resident": resident,
        "facts": facts,
        "occurred_on": occurred_on,
        "kind_label": _kind_label(book, NO_SHOW_KIND),
        "error": error,
        "back_url": reverse("admin:spaces_booking_no_show_candidates"),
    }
    return TemplateResponse(request, "discipline/reports/no_show_case.html", context)


def _kind_label(book: Any, code: str) -> str:
    kind = book.violations.kinds.get(code)
    return f"{code} {kind.name}（{kind.category}）" if kind is not None else code


urlpatterns = [
    path("staff/report/", report_page, name="report"),
    path("staff/report/export/", report_export, name="report_export"),
    path("staff/no-show-case/<int:resident_id>/", no_show_case, name="no_show_case"),
]
