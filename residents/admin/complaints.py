"""The operations desk for complaints and requests (诉求反馈, 第四章第四条).

The queue is sorted by the next deadline, with a countdown column ("还剩 N 个工作日",
"已逾期" in red), filters for overdue responses and solutions, and search. Nothing
is hand-edited: statuses change only through the named steps (回复、给出解决方案、
发送消息、添加内部备注), from the list (for the selected complaints) or from a
complaint's page, each asking for its text and calling the service. The thread is
shown read-only, internal notes included. Staff record complaints from the suggestion
box, in person or by phone through "add". The monthly SLA report (with a chart and
an Excel export) is linked from the list.

Who: the daily management team and the administrator handle; every staff group with
the view permission reads; oversight only reads. Nothing is deleted.
"""

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from opc_community import rulebook
from opc_community.core import charts
from opc_community.core.admin_base import ReadOnlyInline
from opc_community.core.errors import DomainError
from opc_community.core.excel import Column, Sheet, xlsx_response
from opc_community.core.moments import format_day
from opc_community.core.uploads import validate_upload
from opc_community.core.workflow_steps import stage, workflow_context, workflow_steps
from residents.forms.complaints import ReportMonthForm, StaffRecordForm, StaffTextForm
from residents.models import (
    COMPLAINT_TRANSITIONS,
    Complaint,
    ComplaintCategory,
    ComplaintMessage,
    ComplaintStatus,
)
from residents.rules import complaints as rules
from residents.selectors import complaints as selectors
from residents.services import complaints as services

# --- Filters ------------------------------------------------------------------------------------


class _OverdueFilter(admin.SimpleListFilter):
    q: Callable[[datetime], Any]

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        condition = type(self).q(timezone.now())
        if self.value() == "yes":
            return queryset.filter(condition)
        if self.value() == "no":
            return queryset.exclude(condition)
        return queryset


class ResponseOverdueFilter(_OverdueFilter):
    title = gettext_lazy("response overdue")
    parameter_name = "response_overdue"
    q = staticmethod(selectors.response_overdue_q)


class SolutionOverdueFilter(_OverdueFilter):
    title = gettext_lazy("solution overdue")
    parameter_name = "solution_overdue"
    q = staticmethod(selectors.solution_overdue_q)


# --- The queue -----------------------------------------------------------------------------------


class ComplaintChangeList(ChangeList):
    """Puts each row's countdown on the page's complaints with one calendar load (no query per row)."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        selectors.attach_countdowns(self.result_list, now=timezone.now())


class ComplaintMessageInline(ReadOnlyInline):
    """The thread, read-only, internal notes included (staff only)."""

    model = ComplaintMessage
    fields = ("at", "kind", "author", "body")
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("conversation (internal notes are never shown to the resident)")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ComplaintMessage]:
        return super().get_queryset(request).select_related("author").order_by("at", "id")


#: The named steps: action name → (service, title, success message).
STEPS: dict[str, tuple[Callable[..., Any], Any, Any]] = {
    "respond": (services.complaint_respond, gettext_lazy("Respond"), gettext_lazy("%(subject)s: response sent.")),
    "solve": (services.complaint_solve, gettext_lazy("Give a solution"), gettext_lazy("%(subject)s: solution sent; the resident is asked to confirm it.")),
    "message": (services.complaint_message, gettext_lazy("Send a message to the resident"), gettext_lazy("%(subject)s: message sent.")),
    "note": (services.complaint_note, gettext_lazy("Add an internal note"), gettext_lazy("%(subject)s: internal note added.")),
}

#: A complaint's path (第四章第四条): received, responded, solution given, closed once the resident confirms.
COMPLAINT_STAGES = (
    stage(pgettext_lazy("workflow step", "Received"), ComplaintStatus.OPEN),
    stage(pgettext_lazy("workflow step", "Responded"), ComplaintStatus.IN_PROGRESS),
    stage(pgettext_lazy("workflow step", "Solution given"), ComplaintStatus.SOLVED),
    stage(pgettext_lazy("workflow step", "Closed"), ComplaintStatus.CLOSED),
)

#: The step that moves a complaint along (the primary button); a solved one waits for the resident.
NEXT_STEP = {ComplaintStatus.OPEN: "respond", ComplaintStatus.IN_PROGRESS: "solve"}


class DueFilter(admin.SimpleListFilter):
    """The work desk's counts (residents/admin/desk.py): overdue, or due by the end of today."""

    title = gettext_lazy("deadline")
    parameter_name = "due"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("late", gettext_lazy("overdue")), ("today", gettext_lazy("due by today"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "late":
            return queryset.filter(selectors.late_q(timezone.now()))
        if self.value() == "today":
            return queryset.filter(selectors.due_by_today_q(timezone.now()))
        return queryset


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    autocomplete_fields = ("resident", "filed_by", "assigned_to")
    list_display = (
        "subject", "countdown", "status", "resident", "category", "channel", "reopened_count", "filed_at",
        "assigned_to",
    )
    list_display_links = ("subject",)
    list_filter = (
        DueFilter, "status", "category", "channel", ResponseOverdueFilter, SolutionOverdueFilter,
        ("filed_at", admin.DateFieldListFilter),
    )
    search_fields = ("subject", "text", "resident__name", "resident__user__full_name", "resident__user__phone")
    list_select_related = ("resident", "filed_by", "assigned_to")
    show_full_result_count = False  # no count of every complaint on each page (10,000 at scale)
    actions = ("respond", "solve", "send_message", "add_note")
    inlines = (ComplaintMessageInline,)
    change_list_template = "residents/complaints/admin/change_list.html"

    class Media:
        css = {"all": ("residents/complaints-admin.css",)}

    change_form_template = "residents/complaints/admin/change_form.html"
    fieldsets = (
        (None, {"fields": ("resident", "channel", "category", "subject", "text", "attachment_link")}),
        (gettext_lazy("Deadlines (Chapter 4, Article 4)"), {
            "fields": (
                "status", "filed_at", "response_due_at", "responded_at", "solution_due_at", "solved_at",
                "closed_at", "sla", "provisional_note", "reopened_count",
            ),
        }),
        (gettext_lazy("Who"), {"fields": ("filed_by", "assigned_to")}),
    )
    readonly_fields = (
        "resident", "channel", "category", "subject", "text", "attachment_link", "status", "filed_at",
        "response_due_at", "responded_at", "solution_due_at", "solved_at", "closed_at", "sla",
        "provisional_note", "reopened_count", "filed_by", "assigned_to",
    )

    # --- Permissions: handlers act; readers read; nobody edits or deletes --------------------------

    def has_handle_permission(self, request: HttpRequest) -> bool:
        return services.is_handler(request.user)

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        # The role is checked here rather than in has_add_permission, which the admin calls on every
        # page (the sidebar): the group lookup would add a query to every other app's pages.
        if not services.is_handler(request.user):
            raise PermissionDenied
        return super().add_view(request, form_url, extra_context)

    def has_change_permission(self, request: HttpRequest, obj: Complaint | None = None) -> bool:
        return False  # statuses move only through the named steps

    def has_delete_permission(self, request: HttpRequest, obj: Complaint | None = None) -> bool:
        return False

    # --- The list ---------------------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[Complaint]:
        return selectors.complaint_queue(now=timezone.now())

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return ComplaintChangeList

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        return list(selectors.QUEUE_ORDER)  # next deadline first, then the resident's turn

    @admin.display(description=gettext_lazy("next deadline"), ordering="next_due_at")
    def countdown(self, complaint: Complaint) -> str:
        countdown = getattr(complaint, "countdown", None)
        if countdown is None:
            if complaint.status == ComplaintStatus.SOLVED:
                return _("awaiting the resident")
            return "—"
        what = _("response") if countdown.kind == rules.DueKind.RESPONSE else _("solution")
        day = format_day(countdown.due_date)
        if countdown.overdue:
            return format_html(
                '<strong class="opc-overdue" style="color:#b42318">{} · {} · {}</strong>', what, day, _("Overdue")
            )
        return format_html("{} · {} · {}", what, day, _days_left(countdown.days_left))

    # --- A complaint's page -----------------------------------------------------------------------

    @admin.display(description=gettext_lazy("attachment"))
    def attachment_link(self, complaint: Complaint) -> str:
        if not complaint.attachment:
            return "—"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("residents:complaint_attachment", args=[complaint.pk]),
            _("Open the attachment"),
        )

    @admin.display(description=gettext_lazy("on time?"))
    def sla(self, complaint: Complaint) -> str:
        now = timezone.now()
        response = rules.response_state(
            response_due_at=complaint.response_due_at, responded_at=complaint.responded_at, now=now
        )
        solution = rules.solution_state(
            solution_due_at=complaint.solution_due_at, solved_at=complaint.solved_at,
            solution_late=complaint.solution_late, now=now,
        )
        return format_html(
            "{}: {} · {}: {}", _("response"), _state_label(response), _("solution"), _state_label(solution)
        )

    @admin.display(description=gettext_lazy("calendar"))
    def provisional_note(self, complaint: Complaint) -> str:
        if complaint.due_provisional:
            return _(
                "Provisional: a deadline reaches into a year whose official holiday schedule is not loaded yet "
                "(counted Monday to Friday)."
            )
        return _("Official holiday schedule")

    def get_form(self, request: HttpRequest, obj: Complaint | None = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = _record_form()
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Complaint | None = None) -> Any:
        if obj is None:
            return ((None, {"fields": StaffRecordForm._meta.fields}),)
        return self.fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Complaint | None = None) -> Any:
        return () if obj is None else self.readonly_fields

    def get_inlines(self, request: HttpRequest, obj: Complaint | None) -> Any:
        return self.inlines if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Complaint, form: forms.ModelForm, change: bool) -> None:
        """Recording goes through ``complaint_record``, which computes both deadlines."""
        data = form.cleaned_data
        complaint = services.complaint_record(
            resident=data["resident"], channel=data["channel"], category=data["category"],
            subject=data["subject"], text=data["text"], attachment=data.get("attachment") or None,
            actor=request.user,
        )
        obj.pk = complaint.pk
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        return None  # the service wrote everything

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        complaint = Complaint.objects.filter(pk=object_id).only("status").first()
        steps = self._available_steps(request, complaint)
        workflow = None
        if complaint is not None:
            primary = next((s for s in steps if s["name"] == NEXT_STEP.get(complaint.status)), None)
            shown = workflow_steps(complaint.status, stages=COMPLAINT_STAGES, transitions=COMPLAINT_TRANSITIONS,
                                   labels=dict(ComplaintStatus.choices))
            workflow = workflow_context(shown, (primary["label"], primary["url"]) if primary else None)
        extra_context = {
            **(extra_context or {}),
            "workflow": workflow,
            "complaint_steps": [s for s in steps if s["name"] != NEXT_STEP.get(complaint.status if complaint else "")],
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _available_steps(self, request: HttpRequest, complaint: Complaint | None) -> list[dict[str, str]]:
        if complaint is None or not self.has_handle_permission(request):
            return []
        steps = {
            ComplaintStatus.OPEN: ("respond", "solve", "message", "note"),
            ComplaintStatus.IN_PROGRESS: ("solve", "message", "note"),
            ComplaintStatus.SOLVED: ("message", "note"),
            ComplaintStatus.CLOSED: ("note",),
        }[complaint.status]
        return [
            {"name": step, "url": reverse("admin:residents_complaint_step", args=[complaint.pk, step]),
             "label": str(STEPS[step][1])}
            for step in steps
        ]

    # --- The named steps -------------------------------------------------------------------------

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("report/", view(self.report_view), name="residents_complaint_report"),
            path("report/export/", view(self.export_view), name="residents_complaint_export"),
            path("<int:pk>/step/<str:step>/", view(self.step_view), name="residents_complaint_step"),
            *super().get_urls(),
        ]

    def step_view(self, request: HttpRequest, pk: int, step: str) -> HttpResponse:
        """One complaint, one step: ask for the text, call the service, back to the complaint's page."""
        if step not in STEPS:
            raise Http404
        if not self.has_handle_permission(request):
            raise PermissionDenied
        complaint = get_object_or_404(selectors.complaint_with_thread(Complaint.objects.all(), internal=True), pk=pk)
        form = StaffTextForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid() and self._apply(request, step, complaint, form):
            return HttpResponseRedirect(reverse("admin:residents_complaint_change", args=[complaint.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": STEPS[step][1],
            "subtitle": complaint.subject,
            "opts": self.model._meta,
            "form": form,
            "complaint": complaint,
            "back_url": reverse("admin:residents_complaint_change", args=[complaint.pk]),
            "thread": complaint.thread,
            "objects": [complaint],
            "step": step,
            "is_note": step == "note",
        }
        return TemplateResponse(request, "residents/complaints/admin/step_form.html", context)

    def _apply(self, request: HttpRequest, step: str, complaint: Complaint, form: StaffTextForm) -> bool:
        service, _title, done = STEPS[step]
        try:
            service(complaint=complaint, text=form.cleaned_data["text"], actor=request.user)
        except DomainError as error:
            if error.field == "text":
                form.add_error("text", error.message)
            self.message_user(request, f"{complaint.subject}: {error.message}", messages.ERROR)
            return False
        self.message_user(request, done % {"subject": complaint.subject}, messages.SUCCESS)
        return True

    def _bulk_step(self, request: HttpRequest, queryset: QuerySet[Complaint], step: str) -> TemplateResponse | None:
        form = StaffTextForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            for complaint in queryset:
                self._apply(request, step, complaint, form)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": STEPS[step][1],
            "opts": self.model._meta,
            "form": form,
            "objects": queryset,
            "action_name": {"message": "send_message", "note": "add_note"}.get(step, step),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "is_note": step == "note",
            "bulk": True,
        }
        return TemplateResponse(request, "residents/complaints/admin/step_form.html", context)

    @admin.action(description=gettext_lazy("Respond"), permissions=["handle"])
    def respond(self, request: HttpRequest, queryset: QuerySet[Complaint]) -> TemplateResponse | None:
        return self._bulk_step(request, queryset, "respond")

    @admin.action(description=gettext_lazy("Give a solution"), permissions=["handle"])
    def solve(self, request: HttpRequest, queryset: QuerySet[Complaint]) -> TemplateResponse | None:
        return self._bulk_step(request, queryset, "solve")

    @admin.action(description=gettext_lazy("Send a message to the resident"), permissions=["handle"])
    def send_message(self, request: HttpRequest, queryset: QuerySet[Complaint]) -> TemplateResponse | None:
        return self._bulk_step(request, queryset, "message")

    @admin.action(description=gettext_lazy("Add an internal note"), permissions=["handle"])
    def add_note(self, request: HttpRequest, queryset: QuerySet[Complaint]) -> TemplateResponse | None:
        return self._bulk_step(request, queryset, "note")

    # --- The monthly SLA report --------------------------------------------------------------------

    def report_view(self, request: HttpRequest) -> HttpResponse:
        """On-time rates of the month's complaints, overall and by category, with a chart and a table."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        month = _month(request)
        now = timezone.now()
        report = selectors.sla_report(month, now=now)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Complaints: monthly SLA report"),
            "opts": self.model._meta,
            "form": ReportMonthForm(initial={"month": month}),
            "month": month,
            "report": report,
            "lines": [_line(line) for line in report.by_category],
            "overall": _line(report.overall),
            "chart": _chart(report),
            "rule": rules.promise_text(rulebook.in_force(on=month).deadlines),
            "export_url": f"{reverse('admin:residents_complaint_export')}?month={month:%Y-%m}",
            "previous_month": f"{_shift(month, -1):%Y-%m}",
            "next_month": f"{_shift(month, 1):%Y-%m}",
        }
        return TemplateResponse(request, "residents/complaints/admin/report.html", context)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The month's complaints with their SLA outcome, and the summary, as an Excel workbook."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        month = _month(request)
        now = timezone.now()
        rows = selectors.sla_export_rows(month, now=now)
        report = selectors.sla_report(month, now=now)
        return xlsx_response(
            f"complaints-sla-{month:%Y-%m}",
            Sheet(_("Complaints"), COMPLAINT_COLUMNS, rows),
            Sheet(
                f"{_('Summary')} {month:%Y-%m}",
                SUMMARY_COLUMNS,
                [_line(line) for line in (report.overall, *report.by_category)],
            ),
        )


# --- Helpers -----------------------------------------------------------------------------------------


def _record_form() -> type[StaffRecordForm]:
    """The "add" form, checking the attachment by content and size against the rulebook in force."""

    class RecordForm(StaffRecordForm):
        def clean_attachment(self) -> Any:
            upload = self.cleaned_data.get("attachment")
            if upload:
                rules_in_force = rulebook.in_force()
                try:
                    validate_upload(
                        upload, field="attachment", allowed=tuple(rules_in_force.intake.allowed_file_types),
                        max_mb=rules_in_force.intake.max_upload_mb,
                    )
                except DomainError as error:
                    raise forms.ValidationError(str(error.message)) from error
            return upload

    return RecordForm


def _days_left(days: int) -> str:
    if days == 0:
        return _("Due today")
    if days == 1:
        return _("1 working day left")
    return _("%(days)s working days left") % {"days": days}


def _state_label(state: rules.SlaState) -> str:
    labels = {
        rules.SlaState.MET: _("on time"),
        rules.SlaState.LATE: _("late"),
        rules.SlaState.PENDING: _("not due yet"),
        rules.SlaState.OVERDUE: _("overdue"),
    }
    return labels[state]


def _month(request: HttpRequest) -> date:
    form = ReportMonthForm(request.GET if "month" in request.GET else None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data["month"]
    return timezone.localdate().replace(day=1)


def _shift(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _category_label(category: str) -> str:
    return str(ComplaintCategory(category).label) if category in ComplaintCategory.values else category


def _line(line: rules.SlaLine) -> dict[str, Any]:
    return {
        "label": _category_label(line.category) if line.category else _("All categories"),
        "filed": line.filed,
        "responded": line.responded,
        "response_met": line.response_met,
        "response_missed": line.response_missed,
        "response_pending": line.response_pending,
        "response_rate": line.response_rate,
        "solution_met": line.solution_met,
        "solution_missed": line.solution_missed,
        "solution_pending": line.solution_pending,
        "solution_rate": line.solution_rate,
        "average_days": line.average_response_working_days,
        "reopened": line.reopened,
        "closed": line.closed,
    }


def _chart(report: rules.SlaReport) -> charts.Chart:
    """Bars of the on-time rates, two per category (the table beside it carries the same numbers)."""
    kinds = ((_("responses on time"), charts.BRAND), (_("solutions on time"), charts.ACCENT))
    rows = []
    for line in [report.overall, *report.by_category]:
        label = _category_label(line.category) if line.category else _("All categories")
        marks = []
        for (name, colour), rate in zip(kinds, (line.response_rate, line.solution_rate), strict=True):
            text = "—" if rate is None else f"{rate}%"
            marks.append(charts.Mark(rate, f"{label} · {name}: {text}", text, colour))
        rows.append(charts.Row(label, marks, strong=not line.category))
    return charts.bar_chart(
        rows, chart_id="sla-chart", css_class="sla-chart", title=_("On-time rate by category"),
        desc=_("For each category, the share of responses (blue) and of solutions (amber) given on time; the "
               "table below gives the same numbers."),
        axis=charts.Axis(100, (0, 50, 100), "{}%"), label_width=170, bar_height=14, legend=kinds,
    )


def _complaint(row: dict[str, Any]) -> Any:
    return row["complaint"]


#: The month's complaints with their SLA outcome (one line per complaint).
COMPLAINT_COLUMNS = [
    Column(gettext_lazy("number"), lambda r: _complaint(r).pk, "number", 8),
    Column(gettext_lazy("filed at"), lambda r: _complaint(r).filed_at, "datetime", 18),
    Column(gettext_lazy("resident"), lambda r: _complaint(r).resident.name, width=16),
    Column(gettext_lazy("category"), lambda r: _complaint(r).get_category_display()),
    Column(gettext_lazy("channel"), lambda r: _complaint(r).get_channel_display()),
    Column(pgettext_lazy("complaint", "subject"), lambda r: _complaint(r).subject, width=30),
    Column(gettext_lazy("status"), lambda r: _complaint(r).get_status_display()),
    Column(gettext_lazy("response due"), lambda r: _complaint(r).response_due_at, "datetime", 18),
    Column(gettext_lazy("responded at"), lambda r: _complaint(r).responded_at, "datetime", 18),
    Column(gettext_lazy("response"), lambda r: _state_label(r["response_state"])),
    Column(gettext_lazy("response time (working days)"), lambda r: r["response_working_days"], "number"),
    Column(gettext_lazy("solution due"), lambda r: _complaint(r).solution_due_at, "datetime", 18),
    Column(gettext_lazy("solved at"), lambda r: _complaint(r).solved_at, "datetime", 18),
    Column(gettext_lazy("solution"), lambda r: _state_label(r["solution_state"])),
    Column(gettext_lazy("times reopened"), lambda r: _complaint(r).reopened_count, "number"),
]

#: The month's summary, overall and by category (the lines of ``_line``).
SUMMARY_COLUMNS = [
    Column(gettext_lazy("category"), lambda d: d["label"], width=20),
    Column(gettext_lazy("filed"), lambda d: d["filed"], "number"),
    Column(gettext_lazy("responses on time"), lambda d: d["response_met"], "number"),
    Column(gettext_lazy("responses late or overdue"), lambda d: d["response_missed"], "number"),
    Column(gettext_lazy("response on-time rate (%)"), lambda d: d["response_rate"], "number"),
    Column(gettext_lazy("solutions on time"), lambda d: d["solution_met"], "number"),
    Column(gettext_lazy("solutions late or overdue"), lambda d: d["solution_missed"], "number"),
    Column(gettext_lazy("solution on-time rate (%)"), lambda d: d["solution_rate"], "number"),
    Column(gettext_lazy("average response time (working days)"), lambda d: d["average_days"], "number"),
    Column(gettext_lazy("reopened"), lambda d: d["reopened"], "number"),
]

