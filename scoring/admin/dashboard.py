"""The staff quarter dashboard, score sheet export and per-resident PDF report; score appeals and changes.

Who: staff with the view permission on score cards (the administrator, oversight) read the cards, the
dashboard (``…/scorecard/dashboard/?quarter=<id>``), the Excel score sheet
(``…/scorecard/export/?quarter=<id>``) and each resident's PDF report (``…/scorecard/<id>/report.pdf``);
anyone else → 403, anonymous → the admin login. Score appeals are listed with their answer deadline
(overdue in red) and only the administrator decides them (``…/scoreappeal/<id>/decide/``), through
``scoring.services.appeals``. Nothing here edits a card: cards change only through a run or an appeal.
"""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.core.admin_base import AnswerOverdueFilter, AppealQueueAdmin, ReadOnlyAdmin
from opc_community.core.errors import DomainError
from opc_community.core.excel import Column, Sheet, xlsx_response
from opc_community.workdays import working_days_left
from scoring.documents.report import report_response
from scoring.forms.cards import ScoreAppealDecideForm
from scoring.models import (
    AwardLevel,
    PlanStatus,
    Quarter,
    QuarterInput,
    QuarterPlan,
    ScoreAppeal,
    ScoreCard,
    ScoreChange,
)
from scoring.selectors import dashboard as selectors
from scoring.services import appeals as appeal_services
from scoring.services.inputs import NUMBER_FIELDS
from scoring.services.plans import PLAN_FIELDS
from scoring.services.signoff import correction_from

# --- The score sheet (Excel) --------------------------------------------------------------------------------


SHEET_COLUMNS = [
    Column(gettext_lazy("rank (ascending)"), lambda c: c.rank, "number", 8),
    Column(gettext_lazy("resident"), lambda c: c.resident.name, width=22),
    Column(gettext_lazy("activities attended"), lambda c: c.attended, "number", 10),
    Column(gettext_lazy("activities expected"), lambda c: c.expected, "number", 10),
    Column(gettext_lazy("milestones completed"), lambda c: c.milestones_done, "number", 10),
    Column(gettext_lazy("milestones planned"), lambda c: c.milestones_planned, "number", 10),
    Column(gettext_lazy("revenue"), lambda c: c.revenue, "money", 14),
    Column(gettext_lazy("quarterly revenue target"), lambda c: c.revenue_target, "money", 14),
    Column(gettext_lazy("highest award"), lambda c: AwardLevel(c.award_level).label if c.award_level else "", width=14),
    Column(gettext_lazy("contributions"), lambda c: c.contributions, "number", 10),
    Column(gettext_lazy("participation"), lambda c: c.participation_points, "number", 10),
    Column(gettext_lazy("project completion"), lambda c: c.completion_points, "number", 10),
    Column(gettext_lazy("revenue points"), lambda c: c.revenue_points, "number", 10),
    Column(gettext_lazy("awards"), lambda c: c.award_points, "number", 10),
    Column(gettext_lazy("contribution points"), lambda c: c.contribution_points, "number", 10),
    Column(gettext_lazy("total score"), lambda c: c.total, "number", 10),
    Column(gettext_lazy("consecutive quarters below the warning line"), lambda c: c.streak_below_threshold,
           "number", 12),
    Column(gettext_lazy("outcome"), lambda c: c.get_outcome_display(), width=12),
    Column(gettext_lazy("reasons"), lambda c: "；".join(c.reason_texts), width=40),
]


# --- Score cards --------------------------------------------------------------------------------------------

#: Rows of each list on the dashboard (bottom group, eliminated, warning list); the rest is one click away
#: in the score-card list, filtered the same way (a dashboard is for looking; 10,000 rows are not).
LIST_LIMIT = 50


def _cards_url(quarter: Quarter) -> str:
    return f"{reverse('admin:scoring_scorecard_changelist')}?quarter__id__exact={quarter.pk}"


@admin.register(ScoreCard)
class ScoreCardAdmin(admin.ModelAdmin):
    list_display = ("resident", "quarter", "total", "rank", "outcome", "streak_below_threshold", "report_link")
    list_filter = ("quarter", "outcome")
    search_fields = ("resident__name",)
    list_select_related = ("resident", "quarter")
    ordering = ("-quarter__year", "-quarter__number", "rank")
    change_list_template = "scoring/dashboard/card_change_list.html"
    readonly_fields = [field.name for field in ScoreCard._meta.fields]
    actions = ["export_excel"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # cards come from the quarter run

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=gettext_lazy("Export the selected rows to Excel"), permissions=["view"])
    def export_excel(self, request: HttpRequest, queryset: QuerySet[ScoreCard]) -> HttpResponse:
        """The selected cards as a score sheet (any quarters; reasons worded with each quarter's rules)."""
        cards = selectors.annotate_reasons(list(queryset.select_related("resident", "quarter")))
        return xlsx_response(f"score-cards-{timezone.localdate():%Y%m%d}", Sheet(_("Score sheet"), SHEET_COLUMNS, cards))

    @admin.display(description=gettext_lazy("report"))
    def report_link(self, card: ScoreCard) -> str:
        return format_html('<a href="{}">PDF</a>', reverse("admin:scoring_scorecard_report", args=[card.pk]))

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("dashboard/", view(self.dashboard_view), name="scoring_scorecard_dashboard"),
            path("export/", view(self.export_view), name="scoring_scorecard_export"),
            path("<int:pk>/report.pdf", view(self.report_view), name="scoring_scorecard_report"),
            *super().get_urls(),
        ]

    def _require_reader(self, request: HttpRequest) -> None:
        if not self.has_view_permission(request):
            raise PermissionDenied

    def _quarter(self, request: HttpRequest) -> Quarter | None:
        """The quarter asked for (``?quarter=<id>``), else the latest one with cards; an unknown id → 404."""
        wanted = request.GET.get("quarter")
        if wanted:
            if not wanted.isdigit():
                raise Http404
            return get_object_or_404(Quarter, pk=int(wanted))
        return selectors.quarters_with_cards().first()

    def dashboard_view(self, request: HttpRequest) -> HttpResponse:
        """Distribution, per-dimension averages, bottom group, warning list, changes since the last quarter."""
        self._require_reader(request)
        quarter = self._quarter(request)
        report = selectors.quarter_dashboard(quarter) if quarter else None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Quarter dashboard"),
            "opts": self.model._meta,
            "quarter": quarter,
            "quarters": list(selectors.quarters_with_cards()),
            "report": report,
            "histogram": selectors.histogram_chart(report.bins) if report else None,
            "averages": selectors.averages_chart(report.averages) if report else None,
            "moves": report.moves[:20] if report else [],
            "list_limit": LIST_LIMIT,
            "all_cards_url": _cards_url(quarter) if quarter else "",
        }
        return TemplateResponse(request, "scoring/dashboard/quarter.html", context)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The quarter's score sheet as an Excel workbook (one row per resident, lowest rank first)."""
        self._require_reader(request)
        quarter = self._quarter(request)
        if quarter is None:
            raise Http404
        cards = selectors.annotate_reasons(list(selectors.quarter_cards(quarter).select_related("quarter")))
        return xlsx_response(f"scores-{quarter.year}Q{quarter.number}", Sheet(_("Score sheet"), SHEET_COLUMNS, cards))

    def report_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """One resident's score report (PDF, full name: staff only, never public)."""
        self._require_reader(request)
        card = get_object_or_404(ScoreCard.objects.select_related("quarter", "resident"), pk=pk)
        return report_response(card)


# --- Score changes (recorded by recomputations after upheld appeals) ---------------------------------------


@admin.register(ScoreChange)
class ScoreChangeAdmin(ReadOnlyAdmin):
    list_display = ("at", "quarter", "resident", "field", "before", "after", "reason")
    list_filter = ("quarter", "field")
    search_fields = ("resident__name", "reason")
    list_select_related = ("quarter", "resident")
    readonly_fields = ("quarter", "resident", "field", "before", "after", "reason", "at")


# --- Score appeals ------------------------------------------------------------------------------------------


@admin.register(ScoreAppeal)
class ScoreAppealAdmin(AppealQueueAdmin):
    list_display = ("resident", "quarter", "total", "submitted_at", "due", "status", "decided_by")
    list_filter = ("status", AnswerOverdueFilter, "card__quarter")
    search_fields = ("resident__name", "reason")
    list_select_related = ("card__quarter", "resident", "decided_by")
    change_form_template = "scoring/dashboard/appeal_change_form.html"
    decide_label = gettext_lazy("Decide the score appeal")
    fields = ("card", "resident", "reason", "submitted_at", "answer_due_at", "status", "decided_by", "decided_at",
              "answer")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("quarter"), ordering="card__quarter")
    def quarter(self, appeal: ScoreAppeal) -> Quarter:
        return appeal.card.quarter

    @admin.display(description=gettext_lazy("total score"))
    def total(self, appeal: ScoreAppeal) -> int:
        return appeal.card.total

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Uphold (with the corrected inputs; the quarter is recomputed) or dismiss, with the answer."""
        if not self.may_decide(request):
            raise PermissionDenied
        appeal = get_object_or_404(ScoreAppeal.objects.select_related("card__quarter", "resident"), pk=pk)
        data = QuarterInput.objects.filter(quarter_id=appeal.card.quarter_id, resident_id=appeal.resident_id).first()
        plan = QuarterPlan.objects.filter(quarter_id=appeal.card.quarter_id, resident_id=appeal.resident_id,
                                          status=PlanStatus.ACCEPTED).first()
        # The accepted plan's numbers (a plan never accepted stays blank: typing numbers accepts one).
        initial = {**({name: getattr(data, name) for name in NUMBER_FIELDS} if data else {}),
                   **({name: getattr(plan, name) for name in PLAN_FIELDS} if plan else {})}
        form = ScoreAppealDecideForm(request.POST if request.method == "POST" else None, initial=initial)
        if form.is_bound and form.is_valid():
            upheld = form.cleaned_data["upheld"]
            try:
                _appeal, changes = appeal_services.score_appeal_decide(
                    appeal=appeal, upheld=upheld, answer=form.cleaned_data["answer"], actor=request.user,
                    correction=correction_from(form.correction_values()) if upheld else None,
                )
            except DomainError as error:
                form.add_domain_error(error)
                self.message_user(request, str(error.message), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("The appeal of %(resident)s was answered; %(count)d score values changed.")
                    % {"resident": appeal.resident.name, "count": len(changes)},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:scoring_scoreappeal_change", args=[appeal.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Decide the score appeal"),
            "subtitle": str(appeal.card.quarter),
            "opts": self.model._meta,
            "form": form,
            "appeal": appeal,
            "days_left": working_days_left(timezone.localdate(appeal.answer_due_at)),
            "back_url": reverse("admin:scoring_scoreappeal_change", args=[appeal.pk]),
        }
        return TemplateResponse(request, "scoring/dashboard/appeal_decide.html", context)
