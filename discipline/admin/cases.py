"""The operations desk for the 处罚流程 (第八章第二条): the case queue, appeals (复核), the decision ledger.

- **Cases**: sorted by the next deadline (an appeal's answer time, else the notice's rectification
  deadline), with filters for status, kind, resident and "behind schedule", and search by number,
  resident or facts. Nothing is hand-edited: a case moves only through the named steps on its page
  (核实、不予认定、签发整改通知书、已按期整改、未按期整改、决定处罚、公示), each asking for its input and
  calling the service. "Add" opens a case (立案). The evidence, notice PDF, measures (with what each
  produced) and appeals are shown read-only. A resident's discipline history is the list filtered by
  resident (``?resident__id__exact=<id>``).
- **Appeals**: the queue by answer time, overdue ones flagged; the administrator answers (维持/撤销).
- **Decision ledger**: the chain's entries and a "verify" button naming the first broken link.

Who: staff with the change permission on cases (the administrator; the daily management team once
granted, see roles) open, verify, issue notices and record the rectification; only the administrator
decides, publishes and answers appeals (RULEBOOK §1) — checked here and again in the services; staff
with the view permission read (oversight). Nothing is deleted.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case as DbCase
from django.db.models import CharField, F, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from discipline.forms import cases as forms
from discipline.models import (
    CASE_TRANSITIONS,
    Appeal,
    CaseStatus,
    DecisionLedgerEntry,
    EvidenceFile,
    LedgerCheckpoint,
    PenaltyMeasure,
    RectificationNotice,
    ViolationCase,
)
from discipline.rules import rectification_deadline
from discipline.selectors import cases as selectors
from discipline.services import appeals as appeal_services
from discipline.services import cases as services
from discipline.services import interim, occupants
from discipline.services.ledger import ledger_verify
from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.core.admin_base import (
    AnswerOverdueFilter,
    AppealQueueAdmin,
    ReadOnlyAdmin,
    ReadOnlyInline,
    ReadOnlyInlineMixin,
)
from opc_community.core.errors import DomainError
from opc_community.core.moments import format_day, format_moment
from opc_community.core.uploads import private_file_response
from opc_community.core.workflow_steps import stage, workflow_context, workflow_steps
from opc_community.workdays.selectors import working_days_left

# --- Filters --------------------------------------------------------------------------------------


class KindFilter(admin.SimpleListFilter):
    title = gettext_lazy("violation kind")
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return selectors.kind_choices()

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(kind=self.value()) if self.value() else queryset


class BehindFilter(admin.SimpleListFilter):
    title = gettext_lazy("behind schedule")
    parameter_name = "behind"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        condition = selectors.overdue_q(timezone.now())
        if self.value() == "yes":
            return queryset.filter(condition).distinct()
        if self.value() == "no":
            return queryset.exclude(condition)
        return queryset


class OpenFilter(admin.SimpleListFilter):
    title = gettext_lazy("in the workflow")
    parameter_name = "open"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", _("open cases")), ("no", _("closed cases"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(status__in=selectors.OPEN_STATUSES)
        if self.value() == "no":
            return queryset.exclude(status__in=selectors.OPEN_STATUSES)
        return queryset


# --- Inlines (read-only) --------------------------------------------------------------------------------


class EvidenceInline(ReadOnlyInline):
    model = EvidenceFile
    fields = ("download", "content_type", "by_resident", "uploaded_by", "uploaded_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[EvidenceFile]:
        return super().get_queryset(request).select_related("uploaded_by")

    @admin.display(description=gettext_lazy("file"))
    def download(self, evidence: EvidenceFile) -> str:
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>',
                           reverse("admin:discipline_evidence_file", args=[evidence.pk]), evidence.original_name)


class NoticeInline(ReadOnlyInlineMixin, admin.StackedInline):
    model = RectificationNotice
    fields = ("number", "requirement", "deadline", "issued_by", "issued_at", "handed_over_on", "handed_over_by",
              "rectified_at", "result_note", "pdf")
    readonly_fields = fields

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """The handover (date, by whom) is the record of an occupant's notice (no portal message)."""
        if obj is not None and obj.resident_id is not None:
            return tuple(f for f in self.fields if f not in ("handed_over_on", "handed_over_by"))
        return self.fields

    @admin.display(description=gettext_lazy("notice PDF"))
    def pdf(self, notice: RectificationNotice) -> str:
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>',
                           reverse("admin:discipline_notice_pdf", args=[notice.case_id]), _("Open the PDF"))


class MeasureInline(ReadOnlyInline):
    model = PenaltyMeasure
    # "described" names the measure in words (its type is a code)
    fields = ("described", "amount", "scope", "days", "until_paid", "ban_years", "applied_at", "invoice",
              "suspension", "note")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[PenaltyMeasure]:
        return super().get_queryset(request).select_related("invoice", "suspension")

    @admin.display(description=gettext_lazy("measure"))
    def described(self, measure: PenaltyMeasure) -> str:
        return selectors.describe_measure(measure)


class AppealInline(ReadOnlyInline):
    model = Appeal
    fields = ("status", "reason", "submitted_at", "answer_due_at", "decided_by", "decided_at", "answer")
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Appeal]:
        return super().get_queryset(request).select_related("decided_by")


# --- The named steps ----------------------------------------------------------------------------------


def _deciders_only(request: HttpRequest) -> bool:
    return has_role(request.user, Role.ADMINISTRATOR)


#: step → (title, form class, allowed from statuses, administrator only)
STEPS: dict[str, tuple[Any, type, tuple[str, ...], bool]] = {
    "verify": (gettext_lazy("Verify (with evidence)"), forms.VerifyForm, (CaseStatus.FOUND,), False),
    "dismiss": (gettext_lazy("Dismiss (not verified)"), forms.DismissForm,
                (CaseStatus.FOUND, CaseStatus.VERIFIED), False),
    "notice": (gettext_lazy("Issue the rectification notice"), forms.NoticeForm, (CaseStatus.VERIFIED,), False),
    "rectified": (gettext_lazy("Rectified in time"), forms.NoteForm, (CaseStatus.NOTICE_ISSUED,), False),
    "not_rectified": (gettext_lazy("Not rectified"), forms.NoteForm, (CaseStatus.NOTICE_ISSUED,), False),
    "decide": (gettext_lazy("Decide the penalty"), forms.DecideForm,
               (CaseStatus.NOTICE_ISSUED, CaseStatus.RECTIFIED, CaseStatus.NOT_RECTIFIED), True),
    "publish": (gettext_lazy("Publish on the notice board"), forms.PublishForm, (CaseStatus.DECIDED,), True),
    # "立即" kinds only (RULEBOOK §9): shown when ``interim.may_impose_interim`` says so.
    "interim": (gettext_lazy("Suspend at once (interim)"), forms.InterimForm, tuple(interim.INTERIM_STATUSES), True),
    # A case against an occupant (no account): the printed notice handed over; a written review upheld.
    "handover": (gettext_lazy("Record the notice handed over"), forms.HandOverForm,
                 (CaseStatus.NOTICE_ISSUED, CaseStatus.RECTIFIED, CaseStatus.NOT_RECTIFIED, CaseStatus.DECIDED,
                  CaseStatus.PUBLISHED, CaseStatus.CONFIRMED), False),
    "review_upheld": (gettext_lazy("Uphold the occupant's written request for review"), forms.ReviewUpheldForm,
                      (CaseStatus.PUBLISHED, CaseStatus.CONFIRMED), True),
}

#: Steps only for a case against an occupant.
OCCUPANT_STEPS = frozenset({"handover", "review_upheld"})

#: The 处罚流程 as its page shows it (第八章第二条); 不予认定 and 撤销 are turns off this path.
CASE_STAGES = (
    stage(pgettext_lazy("workflow step", "Case opened"), CaseStatus.FOUND),
    stage(pgettext_lazy("workflow step", "Verified"), CaseStatus.VERIFIED),
    stage(pgettext_lazy("workflow step", "Rectification notice"), CaseStatus.NOTICE_ISSUED),
    stage(pgettext_lazy("workflow step", "Rectification result"), CaseStatus.RECTIFIED, CaseStatus.NOT_RECTIFIED),
    stage(pgettext_lazy("workflow step", "Penalty decided"), CaseStatus.DECIDED),
    stage(pgettext_lazy("workflow step", "Published"), CaseStatus.PUBLISHED),
    stage(pgettext_lazy("workflow step", "In force"), CaseStatus.CONFIRMED),
)

#: The step that moves a case along its path, shown as the primary button when the user may take it.
NEXT_STEP = {
    CaseStatus.FOUND: "verify",
    CaseStatus.VERIFIED: "notice",
    CaseStatus.NOTICE_ISSUED: "rectified",
    CaseStatus.RECTIFIED: "decide",
    CaseStatus.NOT_RECTIFIED: "decide",
    CaseStatus.DECIDED: "publish",
}


def case_workflow(case: ViolationCase, steps: list[dict[str, str]]) -> dict[str, Any]:
    """The case's steps and its next action among ``steps`` (those the user may take now)."""
    came_from = {
        CaseStatus.DISMISSED: CaseStatus.VERIFIED if case.verified_at else CaseStatus.FOUND,
        CaseStatus.ANNULLED: CaseStatus.CONFIRMED if case.confirmed_at else CaseStatus.PUBLISHED,
    }.get(case.status)
    shown = workflow_steps(case.status, stages=CASE_STAGES, transitions=CASE_TRANSITIONS,
                           labels=dict(CaseStatus.choices), came_from=came_from)
    primary = next((step for step in steps if step["name"] == NEXT_STEP.get(case.status)), None)
    return workflow_context(shown, (primary["label"], primary["url"]) if primary else None)


class SubjectFilter(admin.SimpleListFilter):
    title = gettext_lazy("case against")
    parameter_name = "against"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("resident", _("a resident")), ("occupant", _("an occupant (not a resident)"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in ("resident", "occupant"):
            return queryset.filter(resident__isnull=self.value() == "occupant")
        return queryset


@admin.register(ViolationCase)
class ViolationCaseAdmin(admin.ModelAdmin):
    autocomplete_fields = ("resident", "found_by", "verified_by", "decided_by")
    list_display = ("number", "subject", "kind_text", "occurred_on", "status", "deadline", "appeal_flag")
    list_display_links = ("number",)
    # No resident list in the sidebar (10,000 names): search finds a resident; the archive links here
    # with ``?resident__id__exact=<id>``.
    list_filter = (OpenFilter, "status", KindFilter, BehindFilter, SubjectFilter)
    search_fields = ("number", "resident__name", "resident__user__full_name", "occupant_name", "=occupant_id_number",
                     "facts")
    list_select_related = ("resident", "notice")
    list_per_page = 50
    change_form_template = "discipline/cases/admin/change_form.html"
    inlines = (EvidenceInline, NoticeInline, MeasureInline, AppealInline)
    fieldsets = (
        (None, {"fields": ("number", "subject", "kind_text", "occurred_on", "facts", "measure", "flags",
                           "flag_reason", "status", "dismissal_reason", "source_key")}),
        (gettext_lazy("Decision"), {"fields": ("rule_text", "next_step", "same_kind_count", "rulebook_version",
                                                "publication_link")}),
        (gettext_lazy("Who and when"), {"fields": ("found_by", "found_at", "verified_by", "verified_at", "decided_by",
                                                   "decided_at", "confirmed_at", "annulled_at")}),
    )
    readonly_fields = (
        "number", "subject", "occupant_id_number", "occupant_phone", "occupant_description", "kind_text", "occurred_on", "facts", "measure", "flags", "flag_reason", "status",
        "dismissal_reason", "source_key", "rule_text", "next_step", "same_kind_count", "rulebook_version",
        "publication_link", "found_by", "found_at", "verified_by", "verified_at", "decided_by", "decided_at",
        "confirmed_at", "annulled_at",
    )

    #: Shown on the page of a case against an occupant (who is no resident).
    occupant_fieldset = (gettext_lazy("Occupant (not a resident)"), {
        "fields": ("occupant_id_number", "occupant_phone", "occupant_description")})

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and obj.resident_id is None:
            return (fieldsets[0], self.occupant_fieldset, *fieldsets[1:])
        return fieldsets

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> Any:
        """An ID number is found however it is typed (full-width digits, spaces): it is stored normalised."""
        from residents.rules.identity import normalise_identity

        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        normalised = normalise_identity(search_term)
        if normalised and normalised != search_term.strip():
            results |= queryset.filter(occupant_id_number=normalised)
        return results, may_have_duplicates

    @admin.display(description=gettext_lazy("case against"), ordering="resident__name")
    def subject(self, case: ViolationCase) -> str:
        if case.resident_id is None:
            return _("%(name)s (occupant, not a resident)") % {"name": case.occupant_name}
        return str(case.resident)

    # --- Permissions: steps only; nobody edits or deletes ---------------------------------------------

    def has_handle_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("discipline.change_violationcase")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        """立案: open a case through the service (the stock add form would bypass it)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        return self.open_view(request)

    # --- The queue -------------------------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[ViolationCase]:
        """The queue with its next deadline, and each kind's label from ONE read of the rulebook (not one
        per row: the list has a fixed number of queries)."""
        labels = [When(kind=code, then=Value(label)) for code, label in selectors.kind_choices()]
        return selectors.staff_queue(super().get_queryset(request)).annotate(
            kind_label=DbCase(*labels, default=F("kind"), output_field=CharField())
        )

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        return [F("next_deadline").asc(nulls_last=True), "-found_at"]

    @admin.display(description=gettext_lazy("violation kind"), ordering="kind")
    def kind_text(self, case: ViolationCase) -> str:
        return getattr(case, "kind_label", None) or selectors.kind_label(case.kind)

    @admin.display(description=gettext_lazy("next deadline"), ordering="next_deadline")
    def deadline(self, case: ViolationCase) -> str:
        if getattr(case, "has_pending_appeal", False):
            due = case.next_deadline
            label = _("appeal answer")
            day = timezone.localdate(due)
        elif case.status == CaseStatus.NOTICE_ISSUED and getattr(case, "notice", None):
            label = _("rectify by")
            day = case.notice.deadline
        elif case.status == CaseStatus.DECIDED and case.publish_due_at:
            label = _("publish by")
            if case.publish_due_at < timezone.now():
                return format_html('<strong style="color:#b42318">{} · {} · {}</strong>', label,
                                   format_moment(case.publish_due_at), _("Overdue"))
            return format_html("{} · {}", label, format_moment(case.publish_due_at))
        else:
            return "—"
        text = format_day(day)
        if day < timezone.localdate():
            return format_html('<strong style="color:#b42318">{} · {} · {}</strong>', label, text, _("Overdue"))
        return format_html("{} · {}", label, text)

    @admin.display(description=gettext_lazy("appeal pending"), boolean=True)
    def appeal_flag(self, case: ViolationCase) -> bool:
        return bool(getattr(case, "has_pending_appeal", False))

    # --- A case's page -------------------------------------------------------------------------------------

    @admin.display(description=gettext_lazy("rule behind the decision"))
    def rule_text(self, case: ViolationCase) -> str:
        if case.same_kind_count is None:
            preview = selectors.decision_preview(case)
            return _("Would be now: %(rule)s") % {"rule": preview.rule_text} if preview else "—"
        return selectors.case_rule_text(case)

    @admin.display(description=gettext_lazy("next same-kind violation"))
    def next_step(self, case: ViolationCase) -> str:
        return selectors.next_step_text(case)

    @admin.display(description=gettext_lazy("notice board"))
    def publication_link(self, case: ViolationCase) -> str:
        publication = selectors.publication_of(case)
        if publication is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a> · {} {}', reverse("admin:notices_publication_change", args=[publication.pk]),
            publication.get_status_display(), _("window ends"),
            format_moment(publication.window_ends_at),
        )

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        case = ViolationCase.objects.filter(pk=object_id).only(
            "status", "resident_id", "occupant_id_number", "verified_at", "confirmed_at").first()
        history = None
        steps = self._available_steps(request, case)
        workflow = case_workflow(case, steps) if case is not None else None
        if case is not None:  # a resident's discipline history: the queue filtered by that resident
            query = (f"resident__id__exact={case.resident_id}" if case.resident_id is not None
                     else f"q={case.occupant_id_number}")  # an occupant's: by the ID number
            history = f"{reverse('admin:discipline_violationcase_changelist')}?{query}"
        primary = workflow["next_action"] if workflow else None
        extra_context = {**(extra_context or {}), "workflow": workflow, "resident_history_url": history,
                         "case_steps": [step for step in steps if primary is None or step["url"] != primary["url"]]}
        return super().change_view(request, object_id, form_url, extra_context)

    def _available_steps(self, request: HttpRequest, case: ViolationCase | None) -> list[dict[str, str]]:
        if case is None or not self.has_handle_permission(request):
            return []
        decider = _deciders_only(request)
        return [
            {"name": step, "url": reverse("admin:discipline_violationcase_step", args=[case.pk, step]),
             "label": str(title)}
            for step, (title, _form, statuses, deciders) in STEPS.items()
            if case.status in statuses and (decider or not deciders)
            and (step != "interim" or interim.may_impose_interim(case))
            and (step not in OCCUPANT_STEPS or case.resident_id is None)
        ]

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/step/<str:step>/", view(self.step_view), name="discipline_violationcase_step"),
            path("<int:pk>/notice.pdf", view(self.notice_pdf_view), name="discipline_notice_pdf"),
            path("evidence/<int:pk>/", view(self.evidence_view), name="discipline_evidence_file"),
            *super().get_urls(),
        ]

    def open_view(self, request: HttpRequest) -> HttpResponse:
        """立案: pick the resident, the kind, the day, the facts (and the measure / circumstances)."""
        post = request.POST if request.method == "POST" else None
        initial = {"occurred_on": timezone.localdate(), "resident": request.GET.get("resident"),
                   "subject": "occupant" if request.GET.get("against") == "occupant" else "resident"}
        form = forms.OpenCaseForm(post, initial=initial)
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                case = services.case_open(
                    **form.subject_arguments(), kind=data["kind"], occurred_on=data["occurred_on"], facts=data["facts"],
                    measure=data.get("measure"), flags=form.flags, flag_reason=data.get("flag_reason", ""),
                    actor=request.user,
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                self.message_user(request, _("%(number)s opened; verify it with the evidence next.")
                                  % {"number": case.number}, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:discipline_violationcase_change", args=[case.pk]))
        return self._render_step(request, None, _("Open a violation case"), form)

    def step_view(self, request: HttpRequest, pk: int, step: str) -> HttpResponse:
        """One case, one step: ask for the input, call the service, back to the case's page."""
        if step not in STEPS:
            raise Http404
        title, form_class, _statuses, deciders_only = STEPS[step]
        if not self.has_handle_permission(request) or (deciders_only and not _deciders_only(request)):
            raise PermissionDenied
        case = get_object_or_404(ViolationCase.objects.select_related("resident", "notice"), pk=pk)
        if step in OCCUPANT_STEPS and case.resident_id is not None:
            raise Http404
        post = request.POST if request.method == "POST" else None
        files = request.FILES if request.method == "POST" else None
        preview = None
        if step == "decide":
            preview = selectors.decision_preview(case)
            if preview is None:
                raise Http404
            form = form_class(post, preview=preview)
        elif step == "notice":
            form = _notice_form(post, case)
        elif step == "publish":
            form = form_class(post, initial={"public_facts": selectors.facts_summary(case)})
        else:
            form = form_class(post, files) if form_class is forms.VerifyForm else form_class(post)
        if form.is_bound and form.is_valid() and self._apply(request, step, case, form):
            return HttpResponseRedirect(reverse("admin:discipline_violationcase_change", args=[case.pk]))
        return self._render_step(request, case, title, form, preview=preview)

    def _apply(self, request: HttpRequest, step: str, case: ViolationCase, form: Any) -> bool:
        data = form.cleaned_data
        user = request.user
        calls: dict[str, Callable[[], Any]] = {
            "verify": lambda: services.case_verify(case=case, actor=user, evidence=data["evidence"]),
            "dismiss": lambda: services.case_dismiss(case=case, actor=user, reason=data["reason"]),
            "notice": lambda: services.notice_issue(case=case, requirement=data["requirement"],
                                                   deadline=data.get("deadline"), actor=user),
            "rectified": lambda: services.case_mark_rectified(case=case, actor=user, note=data["note"]),
            "not_rectified": lambda: services.case_mark_not_rectified(case=case, actor=user, note=data["note"]),
            "decide": lambda: services.case_decide(case=case, actor=user, **form.service_arguments()),
            "publish": lambda: services.case_publish(case=case, actor=user, public_facts=data["public_facts"]),
            "interim": lambda: interim.interim_suspend(case=case, reason=data["reason"], actor=user),
            "handover": lambda: occupants.notice_hand_over(case=case, handed_over_on=data["handed_over_on"],
                                                          actor=user),
            "review_upheld": lambda: occupants.occupant_review_upheld(case=case, reason=data["reason"], actor=user),
        }
        try:
            calls[step]()
        except DomainError as error:
            if hasattr(form, "add_domain_error"):
                form.add_domain_error(error)
            self.message_user(request, f"{case.number}: {error.message}", messages.ERROR)
            return False
        case.refresh_from_db()
        self.message_user(request, _("%(number)s: %(step)s — done (now “%(status)s”).") % {
            "number": case.number, "step": STEPS[step][0], "status": case.get_status_display()}, messages.SUCCESS)
        return True

    def _render_step(self, request: HttpRequest, case: ViolationCase | None, title: Any, form: Any,
                     preview: Any = None) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": case.number if case else None,
            "opts": self.model._meta,
            "form": form,
            "case": case,
            "preview": preview,
            "kind_text": selectors.kind_label(case.kind) if case else "",
            "back_url": reverse("admin:discipline_violationcase_change", args=[case.pk]) if case else None,
        }
        return TemplateResponse(request, "discipline/cases/admin/step_form.html", context)

    def notice_pdf_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        notice = get_object_or_404(RectificationNotice, case_id=pk)
        if not notice.document:
            notice = services.notice_render(notice_id=notice.pk)
            notice = RectificationNotice.objects.get(pk=notice.pk)
        return private_file_response(notice.document, download_name=f"{notice.number}.pdf",
                                     content_type="application/pdf")

    def evidence_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        evidence = get_object_or_404(EvidenceFile, pk=pk)
        return private_file_response(evidence.file, download_name=evidence.original_name,
                                     content_type=evidence.content_type)


def _notice_form(post: Any, case: ViolationCase) -> forms.NoticeForm:
    """The notice form, showing the deadline it sets when left as it is (the rulebook's default days from today)."""
    from opc_community import rulebook

    violations = rulebook.in_force(on=case.occurred_on).violations
    default = rectification_deadline(timezone.localdate(), violations)
    form = forms.NoticeForm(post, initial={"deadline": default})
    form.fields["deadline"].help_text = _(
        "Default deadline: %(date)s (%(days)s days from today, the rulebook's default for rectification; "
        "Chapter 8, Article 2). Change it only when the notice sets another one."
    ) % {"date": format_day(default), "days": violations.rectification_default_days}
    return form


# --- Appeals --------------------------------------------------------------------------------------------




@admin.register(Appeal)
class AppealAdmin(AppealQueueAdmin):
    list_display = ("case", "resident", "submitted_at", "due", "status", "decided_by")
    list_filter = ("status", AnswerOverdueFilter)
    search_fields = ("case__number", "resident__name", "reason")
    list_select_related = ("case", "resident", "decided_by")
    change_form_template = "discipline/cases/admin/appeal_change_form.html"
    decide_label = gettext_lazy("Answer the request for review")
    fields = ("case_link", "resident", "reason", "evidence", "submitted_at", "answer_due_at", "due_provisional",
              "status", "decided_by", "decided_at", "answer")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("case"))
    def case_link(self, appeal: Appeal) -> str:
        return format_html('<a href="{}">{}</a>', reverse("admin:discipline_violationcase_change",
                                                          args=[appeal.case_id]), appeal.case.number)

    @admin.display(description=pgettext_lazy("violation case", "evidence"))
    def evidence(self, appeal: Appeal) -> str:
        files = appeal.case.evidence.filter(by_resident=True).order_by("uploaded_at")
        if not files:
            return "—"
        return format_html_join("、", '<a href="{}" target="_blank" rel="noopener">{}</a>', (
            (reverse("admin:discipline_evidence_file", args=[f.pk]), f.original_name) for f in files))

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.may_decide(request):
            raise PermissionDenied
        appeal = get_object_or_404(Appeal.objects.select_related("case", "resident"), pk=pk)
        form = forms.AppealDecideForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            try:
                appeal_services.appeal_decide(appeal=appeal, upheld=form.cleaned_data["upheld"],
                                              answer=form.cleaned_data["answer"], actor=request.user)
            except DomainError as error:
                form.add_domain_error(error)
                self.message_user(request, str(error.message), messages.ERROR)
            else:
                self.message_user(request, _("The request for review of %(number)s was answered.")
                                  % {"number": appeal.case.number}, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:discipline_appeal_change", args=[appeal.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Answer the request for review"),
            "subtitle": appeal.case.number,
            "opts": self.model._meta,
            "form": form,
            "appeal": appeal,
            "days_left": working_days_left(timezone.localdate(appeal.answer_due_at)),
            "back_url": reverse("admin:discipline_appeal_change", args=[appeal.pk]),
        }
        return TemplateResponse(request, "discipline/cases/admin/appeal_decide.html", context)


# --- The decision ledger ----------------------------------------------------------------------------------


@admin.register(DecisionLedgerEntry)
class DecisionLedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("sequence", "kind", "object_id", "recorded_at", "short_hash", "short_previous")
    list_filter = ("kind",)
    search_fields = ("entry_hash",)
    fields = ("sequence", "kind", "object_id", "recorded_at", "previous_hash", "entry_hash", "content")
    readonly_fields = fields
    change_list_template = "discipline/cases/admin/ledger_change_list.html"

    @admin.display(description=gettext_lazy("hash"))
    def short_hash(self, entry: DecisionLedgerEntry) -> str:
        return format_html("<code>{}…</code>", entry.entry_hash[:16])

    @admin.display(description=gettext_lazy("previous hash"))
    def short_previous(self, entry: DecisionLedgerEntry) -> str:
        return format_html("<code>{}…</code>", entry.previous_hash[:16])

    def get_urls(self) -> list:
        return [
            path("verify/", self.admin_site.admin_view(self.verify_view), name="discipline_ledger_verify"),
            *super().get_urls(),
        ]

    #: Breaks shown on the page; ``manage.py verify_ledger`` lists them all.
    SHOWN_BREAKS = 10

    def verify_view(self, request: HttpRequest) -> HttpResponse:
        """Verify the ledger (POST): the chain, the published checkpoints and the live decisions; say that
        it holds, or name each break."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:discipline_decisionledgerentry_changelist"))
        result = ledger_verify()
        if result.ok:
            self.message_user(request, _("Verified: %(reason)s") % {"reason": result.reason}, messages.SUCCESS)
        for found in result.breaks[:self.SHOWN_BREAKS]:
            text = found.message if found.sequence is None else _("BROKEN at entry #%(sequence)s: %(reason)s") % {
                "sequence": found.sequence, "reason": found.message}
            self.message_user(request, text, messages.ERROR)
        if len(result.breaks) > self.SHOWN_BREAKS:
            self.message_user(request, _("… and %(count)d more (manage.py verify_ledger lists them all).")
                              % {"count": len(result.breaks) - self.SHOWN_BREAKS}, messages.ERROR)
        return HttpResponseRedirect(reverse("admin:discipline_decisionledgerentry_changelist"))


@admin.register(LedgerCheckpoint)
class LedgerCheckpointAdmin(ReadOnlyAdmin):
    """The chain's heads as published on the notice board (daily job, docs/discipline.md §6)."""

    list_display = ("sequence", "recorded_at", "short_hash", "board")
    list_select_related = ("publication",)
    fields = ("sequence", "entry_hash", "recorded_at", "publication")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("hash"))
    def short_hash(self, checkpoint: LedgerCheckpoint) -> str:
        return format_html("<code>{}…</code>", checkpoint.entry_hash[:16])

    @admin.display(description=gettext_lazy("publication"))
    def board(self, checkpoint: LedgerCheckpoint) -> str:
        return format_html('<a href="{}">{}</a>', checkpoint.publication.get_absolute_url(), checkpoint.publication.title)
