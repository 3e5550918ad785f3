"""Quarters and quarterly inputs in the operations desk (第六章).

- **Quarters**: the administrator adds a quarter (year, number, inputs deadline); then only named
  actions change it, each calling a service: 「计算季度评分」 starts the Celery task of the quarter run
  and opens a page with a progress bar polling its progress; 「确认评分」 (human review, PIPL Art. 24;
  refused, naming what and whose, while a plan, a plan change or results await staff — the list's
  「待审核」 column links to each queue), 「退回草稿」, 「公示评分」 (the notice board, 3 working days),
  「生效」 (after the window, when no appeal is pending — normally the board's close handler does it).
  Each quarter's results export to Excel (with the plans, for reading) and import back from it (all
  rows or none, every row error listed).
- **Inputs**: read-only lists with the filters staff use (quarter, status) and search by resident;
  「核实」 verifies the selected inputs; 「更正」 on one input changes results, or rejects claims —
  milestones, revenue, awards, contributions; a rejected claim scores as absent — with a reason.
  Evidence, certificates and proofs are downloaded through permission-checked views.

Who: holders of the scoring permissions — the administrator changes, oversight reads; the services
check the role again.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.core.admin_base import ReadOnlyInline, WriteColumnsMixin
from opc_community.core.errors import DomainError
from opc_community.core.excel import Column, Sheet, xlsx_response
from opc_community.core.jobs import enqueue
from scoring.forms.inputs import CorrectionForm, ImportForm
from scoring.models import (
    AwardClaim,
    Contribution,
    InputEvidence,
    InputStatus,
    PlanChange,
    PlanChangeStatus,
    PlanStatus,
    Quarter,
    QuarterInput,
    QuarterPlan,
    QuarterStatus,
)
from scoring.selectors import inputs as selectors
from scoring.selectors.quarters import ProgressUnavailable, run_progress
from scoring.services import input_sheets as sheet_services
from scoring.services import inputs as services
from scoring.services import signoff
from scoring.views.inputs import file_response

# --- Quarters --------------------------------------------------------------------------------------------


def _count(rows: QuerySet, quarter_field: str) -> Coalesce:
    """How many of ``rows`` belong to the listed quarter (a subquery: no join multiplies the cards)."""
    counted = rows.filter(**{quarter_field: OuterRef("pk")}).order_by().values(quarter_field)
    return Coalesce(Subquery(counted.annotate(n=Count("pk")).values("n")[:1]), 0)


class QuarterForm(forms.ModelForm):
    """Year, quarter and inputs deadline, checked like the service does (errors next to the field)."""

    class Meta:
        model = Quarter
        fields = ("year", "number", "inputs_due_on")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        year = data.get("year", getattr(self.instance, "year", None))
        number = data.get("number", getattr(self.instance, "number", None))
        due = data.get("inputs_due_on")
        if year and number and due:
            try:
                services.check_deadline(year=year, number=number, inputs_due_on=due)
            except DomainError as error:
                self.add_error(error.field if error.field in self.fields else None, error.message)
        return data


@admin.register(Quarter)
class QuarterAdmin(WriteColumnsMixin, admin.ModelAdmin):
    list_display = ("__str__", "status", "inputs_due_on", "to_review", "rulebook_version", "card_count",
                    "run_finished_at", "confirmed_by", "published_at", "run_link", "import_link")
    write_columns = {"import_link": "scoring.change_quarter"}
    list_filter = ("status", "year")
    list_select_related = ("confirmed_by",)
    ordering = ("-year", "-number")
    actions = ("run", "confirm", "reopen", "publish", "finalise")
    readonly_fields = ("status", "rulebook_version", "run_started_at", "run_finished_at", "run_total",
                       "confirmed_by", "confirmed_at", "published_at", "finalised_at")
    exclude = ("run_progress",)

    form = QuarterForm

    def get_queryset(self, request: HttpRequest) -> QuerySet[Quarter]:
        return super().get_queryset(request).annotate(
            card_total=Count("cards"),
            plans_waiting=_count(QuarterPlan.objects.filter(status=PlanStatus.SUBMITTED), "quarter"),
            changes_waiting=_count(PlanChange.objects.filter(status=PlanChangeStatus.PENDING), "plan__quarter"),
            results_waiting=_count(QuarterInput.objects.filter(status=InputStatus.SUBMITTED), "quarter"),
        )

    @admin.display(description=gettext_lazy("awaiting review"))
    def to_review(self, quarter: Quarter) -> str:
        """What staff must decide before the quarter can be confirmed (RULEBOOK §7.1), linked to each queue."""
        queues = (
            (quarter.plans_waiting, _("%(count)d plans"), "admin:scoring_quarterplan_changelist",
             f"quarter__id__exact={quarter.pk}&status__exact={PlanStatus.SUBMITTED}"),
            (quarter.changes_waiting, _("%(count)d plan changes"), "admin:scoring_planchange_changelist",
             f"plan__quarter__id__exact={quarter.pk}&status__exact={PlanChangeStatus.PENDING}"),
            (quarter.results_waiting, _("%(count)d results"), "admin:scoring_quarterinput_changelist",
             f"quarter__id__exact={quarter.pk}&status__exact={InputStatus.SUBMITTED}"),
        )
        links = [(f"{reverse(url)}?{query}", label % {"count": count}) for count, label, url, query in queues if count]
        return format_html_join(" · ", '<a href="{}">{}</a>', links) if links else "—"

    def save_model(self, request: HttpRequest, obj: Quarter, form: Any, change: bool) -> None:
        """Adding a quarter and moving its deadline go through the services (checked again there)."""
        if not change:
            created = services.quarter_open(year=obj.year, number=obj.number, inputs_due_on=obj.inputs_due_on,
                                            actor=request.user)
            obj.pk = created.pk
        elif "inputs_due_on" in form.changed_data:
            services.quarter_deadline_move(quarter=obj, inputs_due_on=obj.inputs_due_on, actor=request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Quarter | None = None) -> tuple[str, ...]:
        """Year and quarter are fixed once added; the deadline may move while inputs are collected."""
        if obj is None:
            return self.readonly_fields
        fixed = ("year", "number") + (() if obj.status == QuarterStatus.OPEN else ("inputs_due_on",))
        return fixed + self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Quarter | None = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("score cards"), ordering="card_total")
    def card_count(self, quarter: Quarter) -> int:
        return quarter.card_total

    @admin.display(description=gettext_lazy("inputs"))
    def run_link(self, quarter: Quarter) -> str:
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:scoring_quarter_export", args=[quarter.pk]), _("Excel export"),
            reverse("admin:scoring_quarter_progress", args=[quarter.pk]), _("run progress"),
        )

    @admin.display(description=gettext_lazy("Excel import"))
    def import_link(self, quarter: Quarter) -> str:
        return format_html('<a href="{}">{}</a>', reverse("admin:scoring_quarter_import", args=[quarter.pk]),
                           _("Excel import"))

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/progress/", view(self.progress_view), name="scoring_quarter_progress"),
            path("<int:pk>/progress.json", view(self.progress_json), name="scoring_quarter_progress_json"),
            path("<int:pk>/export/", view(self.export_view), name="scoring_quarter_export"),
            path("<int:pk>/import/", view(self.import_view), name="scoring_quarter_import"),
            *super().get_urls(),
        ]

    # --- The named actions ------------------------------------------------------------------------

    @admin.action(description=gettext_lazy("Compute the quarter's scores"), permissions=["change"])
    def run(self, request: HttpRequest, queryset: QuerySet[Quarter]) -> HttpResponse | None:
        """Start the Celery task of the quarter run (after commit) and open its progress page."""
        from scoring.tasks import run_quarter

        quarters = list(queryset)
        if len(quarters) != 1:
            self.message_user(request, _("Choose one quarter to compute."), messages.WARNING)
            return None
        quarter = quarters[0]
        if quarter.status not in (QuarterStatus.OPEN, QuarterStatus.DRAFTED):
            self.message_user(
                request, _("Quarter %(quarter)s is “%(status)s”: its scores change only through appeals.")
                % {"quarter": quarter, "status": quarter.get_status_display()}, messages.ERROR)
            return None
        if not enqueue(run_quarter, quarter.pk, request.user.pk):
            self.message_user(request, _("The computation of %(quarter)s could not be started: the job queue "
                                         "(Redis) is unreachable. Nothing was changed; try again in a few "
                                         "minutes.") % {"quarter": quarter}, messages.ERROR)
            return None
        self.message_user(request, _("The computation of %(quarter)s has started.") % {"quarter": quarter},
                          messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:scoring_quarter_progress", args=[quarter.pk]))

    def _each(self, request: HttpRequest, queryset: QuerySet[Quarter], service: Any, done: str) -> None:
        for quarter in queryset:
            try:
                service(quarter=quarter, actor=request.user)
            except (DomainError, PermissionDenied) as error:
                self.message_user(request, f"{quarter}: {getattr(error, 'message', error)}", messages.ERROR)
            else:
                self.message_user(request, done % {"quarter": quarter}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Confirm the draft scores"), permissions=["change"])
    def confirm(self, request: HttpRequest, queryset: QuerySet[Quarter]) -> None:
        self._each(request, queryset, signoff.quarter_confirm,
                   _("%(quarter)s confirmed: publish it to open the appeal window."))

    @admin.action(description=gettext_lazy("Send back to draft"), permissions=["change"])
    def reopen(self, request: HttpRequest, queryset: QuerySet[Quarter]) -> None:
        self._each(request, queryset, signoff.quarter_reopen, _("%(quarter)s is a draft again."))

    @admin.action(description=gettext_lazy("Publish the scores on the notice board"), permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Quarter]) -> None:
        self._each(request, queryset, signoff.quarter_publish,
                   _("%(quarter)s is on the notice board; residents may appeal during the window."))

    @admin.action(description=gettext_lazy("Apply the results (after the window)"), permissions=["change"])
    def finalise(self, request: HttpRequest, queryset: QuerySet[Quarter]) -> None:
        self._each(request, queryset, signoff.quarter_finalise,
                   _("%(quarter)s is final: eliminations and warnings applied."))

    # --- Progress --------------------------------------------------------------------------------

    def progress_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The run's progress bar; the page polls :meth:`progress_json` every second until done."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        quarter = get_object_or_404(Quarter, pk=pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Computing %(quarter)s") % {"quarter": quarter},
            "opts": self.model._meta,
            "quarter": quarter,
            "progress": _progress(quarter),
            "poll_url": reverse("admin:scoring_quarter_progress_json", args=[quarter.pk]),
        }
        return TemplateResponse(request, "scoring/admin/progress.html", context)

    def progress_json(self, request: HttpRequest, pk: int) -> JsonResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return JsonResponse(_progress(get_object_or_404(Quarter, pk=pk)))

    # --- Excel ----------------------------------------------------------------------------------

    def export_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The quarter's sheet: every resident of the cohort, its numbers (empty when none) and state.
        Its first six columns are what :meth:`import_view` reads back."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        quarter = get_object_or_404(Quarter, pk=pk)
        return xlsx_response(f"inputs-{quarter.year}-Q{quarter.number}", Sheet(str(quarter), SHEET_COLUMNS,
                                                                                selectors.sheet_rows(quarter)))

    def import_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        quarter = get_object_or_404(Quarter, pk=pk)
        form = ImportForm(request.POST or None, request.FILES or None)
        errors: list[sheet_services.RowError] = []
        if request.method == "POST" and form.is_valid():
            try:
                result = sheet_services.inputs_import(
                    quarter=quarter, rows=sheet_services.read_sheet(form.cleaned_data["sheet"]),
                    reason=form.cleaned_data["reason"], actor=request.user,
                )
            except sheet_services.ImportRefused as refusal:
                errors = refusal.errors
                self.message_user(request, refusal.message, messages.ERROR)
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                self.message_user(
                    request, _("Imported: %(created)d new, %(updated)d corrected, %(unchanged)d verified unchanged.")
                    % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
                    messages.SUCCESS)
                return HttpResponseRedirect(
                    f"{reverse('admin:scoring_quarterinput_changelist')}?quarter__id__exact={quarter.pk}")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import the inputs of %(quarter)s") % {"quarter": quarter},
            "opts": self.model._meta,
            "quarter": quarter,
            "form": form,
            "errors": errors,
            "export_url": reverse("admin:scoring_quarter_export", args=[quarter.pk]),
        }
        return TemplateResponse(request, "scoring/admin/import.html", context)


def _progress(quarter: Quarter) -> dict[str, Any]:
    """The live progress (cache) while running, else what the quarter records. Without the cache (Redis
    down or hung: at most its socket timeout) the page says so and shows what the quarter records."""
    message = ""
    try:
        live = run_progress(quarter.pk) or {}
    except ProgressUnavailable:
        live = {"stage": "done" if quarter.run_finished_at else "unavailable"}
        message = _("The live progress cannot be read: the cache server (Redis) is unreachable. The computation "
                    "is not affected; the status below is read from the database. Reload this page later.")
    stage = live.get("stage") or ("done" if quarter.run_finished_at else "waiting")
    total = live.get("total") or quarter.run_total
    done = live.get("done", quarter.run_progress)
    percent = 100 if stage == "done" else (int(100 * done / total) if total else 0)
    return {"stage": stage, "stage_label": str(STAGE_LABELS.get(stage, stage)), "done": done or 0,
            "total": total or 0, "percent": percent, "status": quarter.get_status_display(), "message": message}


#: The run's stages (``scoring.services.run.STAGES``) as staff read them.
STAGE_LABELS = {
    "waiting": gettext_lazy("waiting to start"),
    "scoring": gettext_lazy("scoring"),
    "done": gettext_lazy("done"),
    "unavailable": gettext_lazy("progress unavailable"),
}


def _numbers(name: str) -> Any:
    return lambda row: getattr(row.input, name) if row.input else None


def _plan(name: str) -> Any:
    return lambda row: getattr(row.plan, name) if row.plan else None


#: The first four columns are read back by the import (``services.input_sheets.SHEET_COLUMNS``); the plan's
#: columns are for reading only — a plan changes through its own workflow (``services.plans``).
SHEET_COLUMNS = (
    Column(gettext_lazy("resident number"), lambda row: row.resident.pk, "number", 12),
    Column(gettext_lazy("resident"), lambda row: row.resident.name, width=24),
    Column(gettext_lazy("milestones completed"), _numbers("milestones_done"), "number"),
    Column(gettext_lazy("revenue"), _numbers("revenue"), "money", 16),
    Column(gettext_lazy("plan"), lambda row: row.plan.get_status_display() if row.plan else "", width=16),
    Column(gettext_lazy("milestones planned"), _plan("milestones_planned"), "number"),
    Column(gettext_lazy("quarterly revenue target"), _plan("revenue_target"), "money", 16),
    Column(gettext_lazy("status"), lambda row: row.input.get_status_display() if row.input else ""),
    Column(gettext_lazy("awards"), lambda row: row.input.award_count if row.input else 0, "number"),
    Column(gettext_lazy("contributions"), lambda row: row.input.contribution_count if row.input else 0, "number"),
    Column(gettext_lazy("reason for the correction"), lambda row: row.input.correction_reason if row.input else "",
           width=30),
)


# --- Inputs ----------------------------------------------------------------------------------------------


def _file_link(kind: str, field: str) -> Any:
    @admin.display(description=gettext_lazy("file"))
    def link(self: Any, item: Any) -> str:
        if not getattr(item, field):
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:scoring_quarterinput_file", args=[kind, item.pk]),
                           _("download"))

    return link


class AwardInline(ReadOnlyInline):
    model = AwardClaim
    fields = ("level", "title", "verified", "download")
    readonly_fields = fields
    download = _file_link("award", "certificate")


class ContributionInline(ReadOnlyInline):
    model = Contribution
    fields = ("kind", "description", "proof_link", "verified", "download")
    readonly_fields = fields
    download = _file_link("contribution", "proof")


class EvidenceInline(ReadOnlyInline):
    model = InputEvidence
    fields = ("kind", "original_name", "uploaded_at", "download")
    readonly_fields = fields
    download = _file_link("evidence", "file")


@admin.register(QuarterInput)
class QuarterInputAdmin(WriteColumnsMixin, admin.ModelAdmin):
    list_display = ("resident", "quarter", "status", "milestones_done", "revenue", "rejected",
                    "award_count", "contribution_count", "verified_by", "correct_link")
    write_columns = {"correct_link": "scoring.change_quarterinput"}
    list_filter = ("quarter", "status")
    search_fields = ("resident__name",)
    actions = ("verify",)
    inlines = (AwardInline, ContributionInline, EvidenceInline)
    readonly_fields = ("quarter", "resident", "milestones_done", "revenue", "completion_rejected", "revenue_rejected",
                       "status", "submitted_at", "verified_by", "verified_at", "correction_reason")

    def get_queryset(self, request: HttpRequest) -> QuerySet[QuarterInput]:
        return selectors.staff_list(super().get_queryset(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # staff record a missing input through the Excel import or a correction

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("claims rejected"))
    def rejected(self, data: QuarterInput) -> str:
        names = [label for flag, label in (("completion_rejected", _("milestones")), ("revenue_rejected", _("revenue")))
                 if getattr(data, flag)]
        return "、".join(str(name) for name in names) or "—"

    @admin.display(description=gettext_lazy("awards"), ordering="award_count")
    def award_count(self, data: QuarterInput) -> int:
        return data.award_count

    @admin.display(description=gettext_lazy("contributions"), ordering="contribution_count")
    def contribution_count(self, data: QuarterInput) -> int:
        return data.contribution_count

    @admin.display(description=gettext_lazy("correct"))
    def correct_link(self, data: QuarterInput) -> str:
        return format_html('<a href="{}">{}</a>', reverse("admin:scoring_quarterinput_correct", args=[data.pk]),
                           _("correct"))

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/correct/", view(self.correct_view), name="scoring_quarterinput_correct"),
            path("file/<str:kind>/<int:pk>/", view(self.file_view), name="scoring_quarterinput_file"),
            *super().get_urls(),
        ]

    @admin.action(description=gettext_lazy("Verify the selected inputs"), permissions=["change"])
    def verify(self, request: HttpRequest, queryset: QuerySet[QuarterInput]) -> None:
        done = 0
        for data in queryset:
            try:
                services.input_verify(input=data, actor=request.user)
            except (DomainError, PermissionDenied) as error:
                self.message_user(request, f"{data}: {getattr(error, 'message', error)}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, _("%(count)d inputs verified.") % {"count": done}, messages.SUCCESS)

    def correct_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """One input: change numbers or the claims accepted, with the reason the resident reads."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        data = get_object_or_404(selectors.with_attachments(QuarterInput.objects.all()), pk=pk)
        form = CorrectionForm(request.POST or None, input=data)
        if request.method == "POST" and form.is_valid():
            values = form.cleaned_data
            correction = services.Correction(
                values={name: values[name] for name in services.NUMBER_FIELDS if values[name] is not None},
                rejected_awards=[a.pk for a in data.awards.all() if str(a.pk) not in values["accepted_awards"]],
                rejected_contributions=[c.pk for c in data.contributions.all()
                                        if str(c.pk) not in values["accepted_contributions"]],
                rejected_results=form.rejected_results(),
            )
            try:
                services.input_correct(quarter=data.quarter, resident=data.resident, correction=correction,
                                       reason=values["reason"], actor=request.user)
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                self.message_user(request, _("The inputs of %(input)s were corrected.") % {"input": data},
                                  messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:scoring_quarterinput_change", args=[data.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Correct %(input)s") % {"input": data},
            "opts": self.model._meta,
            "input": data,
            "plan": QuarterPlan.objects.filter(quarter_id=data.quarter_id, resident_id=data.resident_id).first(),
            "form": form,
            "evidence": format_html_join(
                "", '<li><a href="{}">{}</a></li>',
                ((reverse("admin:scoring_quarterinput_file", args=["evidence", e.pk]), e.original_name)
                 for e in data.evidence.all()),
            ),
        }
        return TemplateResponse(request, "scoring/admin/correct.html", context)

    def file_view(self, request: HttpRequest, kind: str, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        if kind not in selectors.FILE_KINDS:
            raise Http404
        model, field = selectors.FILE_KINDS[kind]
        return file_response(get_object_or_404(model, pk=pk), field)
