"""The operations desk for intake (第三章第一条、第二条; UI.md "Staff: the Django admin").

The application queue: sorted by the current deadline (initial review due, or result due),
overdue rows in red with "已逾期 N 个工作日", filters staff use (status, entity type,
direction, overdue), search by name, phone, or a *complete* ID number / credit code
(never a partial one). Statuses and applicants' data are read-only: each review step is a
named action (list) or a button (application page) that asks for its reasons and calls the
service. Materials open through the permission-checked download view; the transition
history is inline. Only the intake team, the operations lead and oversight see applications
(identity documents are need-to-know, PIPL); oversight only reads.
"""

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from opc_community.accounts.permissions import has_role
from opc_community.core.admin_base import ReadOnlyInline
from opc_community.core.errors import DomainError
from opc_community.core.excel import Column, Sheet, xlsx_response
from opc_community.core.masking import mask_identity_number
from opc_community.core.moments import format_day, format_moment
from opc_community.core.workflow_steps import stage, workflow_context, workflow_steps
from opc_community.workdays.selectors import work_calendar
from residents.forms.intake import STEP_FORMS, PaperApplicationForm
from residents.models import (
    APPLICATION_TRANSITIONS,
    Application,
    ApplicationDocument,
    ApplicationStatus,
    ApplicationTransition,
)
from residents.rules import intake as rules
from residents.rules.identity import identity_search_term
from residents.selectors import intake as selectors
from residents.selectors.reentry import earlier_residencies
from residents.services import intake as services
from residents.services import paper as paper_services

#: Review step → its name on buttons, action menus and the reason page.
STEP_LABELS = {
    "start_evaluation": gettext_lazy("Pass initial review (start evaluation)"),
    "return": gettext_lazy("Return for more material"),
    "reject": gettext_lazy("Reject"),
    "record_evaluation": gettext_lazy("Record the project evaluation"),
    "approve": gettext_lazy("Approve the application"),
}

#: The review path (第三章第二条); 退回补充材料, 不予通过 and 撤回 are turns off it.
APPLICATION_STAGES = (
    stage(pgettext_lazy("workflow step", "Draft"), ApplicationStatus.DRAFT),
    stage(pgettext_lazy("workflow step", "Initial review"), ApplicationStatus.SUBMITTED),
    stage(pgettext_lazy("workflow step", "Project evaluation"), ApplicationStatus.EVALUATION),
    stage(pgettext_lazy("workflow step", "Result"), ApplicationStatus.EVALUATED),
    stage(pgettext_lazy("workflow step", "Approved"), ApplicationStatus.APPROVED),
)

#: The review step that moves an application along its path (the primary button).
NEXT_STEP = {
    ApplicationStatus.SUBMITTED: "start_evaluation",
    ApplicationStatus.EVALUATION: "record_evaluation",
    ApplicationStatus.EVALUATED: "approve",
}

#: Statuses off the path, whose page asks the history which stage they left (one query).
OFF_PATH = (ApplicationStatus.RETURNED, ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN)


def application_workflow(application: Application, steps: list[tuple[Any, str, str]]) -> dict[str, Any]:
    """The application's review steps and its next action among ``steps`` (label, url, name) the user may take."""
    came_from = None
    if application.status in OFF_PATH:  # the status it left for this one: the latest move into it
        came_from = (ApplicationTransition.objects.filter(application=application, to_status=application.status)
                     .order_by("-at", "-id").values_list("from_status", flat=True).first())
    shown = workflow_steps(application.status, stages=APPLICATION_STAGES, transitions=APPLICATION_TRANSITIONS,
                           labels=dict(ApplicationStatus.choices), came_from=came_from)
    primary = next(((label, url) for label, url, name in steps if name == NEXT_STEP.get(application.status)), None)
    return workflow_context(shown, primary)


class OverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("overdue")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("yes", gettext_lazy("overdue")), ("today", gettext_lazy("due by today")),
                ("no", gettext_lazy("not overdue"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Application]) -> QuerySet[Application]:
        overdue = selectors.overdue_q(timezone.now())
        if self.value() == "yes":
            return queryset.filter(overdue)
        if self.value() == "today":  # the work desk's count (residents/admin/desk.py)
            return queryset.filter(selectors.due_by_today_q(timezone.now()))
        if self.value() == "no":
            return queryset.exclude(overdue)
        return queryset


class DocumentInline(ReadOnlyInline):
    model = ApplicationDocument
    fields = ("kind", "download", "content_type", "size", "uploaded_at", "uploader")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("uploaded by"))
    def uploader(self, document: ApplicationDocument) -> str:
        return str(document.uploaded_by)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApplicationDocument]:
        return super().get_queryset(request).select_related("uploaded_by")

    @admin.display(description=gettext_lazy("file"))
    def download(self, document: ApplicationDocument) -> str:
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("residents:application_document", args=[document.pk]),
            document.original_name,
        )


class TransitionInline(ReadOnlyInline):
    model = ApplicationTransition
    fields = ("when", "from_label", "to_label", "by", "why")
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("history")

    @admin.display(description=gettext_lazy("time"))
    def when(self, transition: ApplicationTransition) -> str:
        return format_moment(transition.at)

    @admin.display(description=gettext_lazy("from status"))
    def from_label(self, transition: ApplicationTransition) -> str:
        return transition.get_from_status_display() or "—"

    @admin.display(description=gettext_lazy("to status"))
    def to_label(self, transition: ApplicationTransition) -> str:
        return transition.get_to_status_display()

    @admin.display(description=gettext_lazy("done by"))
    def by(self, transition: ApplicationTransition) -> str:
        return str(transition.actor) if transition.actor_id else _("system")

    @admin.display(description=gettext_lazy("reason"))
    def why(self, transition: ApplicationTransition) -> str:
        return transition.reason

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApplicationTransition]:
        return super().get_queryset(request).select_related("actor")


class IdentitySearchMixin:
    """The search finds a complete ID number or credit code however it was typed or pasted
    (full-width, spaced, dashed, lower-case x): it is looked up in its stored spelling."""

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        return super().get_search_results(request, queryset, identity_search_term(search_term))  # type: ignore[misc]


@admin.register(Application)
class ApplicationAdmin(IdentitySearchMixin, admin.ModelAdmin):
    autocomplete_fields = ("applicant", "entered_by", "reviewer")
    change_form_template = "residents/intake/admin/change_form.html"
    change_list_template = "residents/intake/admin/change_list.html"
    list_display = (
        "number", "applicant_name", "status", "entity_type", "direction", "masked_id", "phone", "round",
        "deadline", "flags",
    )
    list_display_links = ("number", "applicant_name")
    list_filter = ("status", "entity_type", "direction", OverdueFilter)
    # "=": the ID number and the credit code are found by the complete value only.
    search_fields = ("person_name", "company_name", "phone", "applicant__phone", "applicant__username", "=id_number", "=uscc")
    search_help_text = gettext_lazy("Name, phone, or a complete ID number / unified social credit code.")
    list_select_related = ("applicant", "reviewer")
    actions = ("start_evaluation", "return_for_material", "reject", "record_evaluation", "approve", "export_excel")
    inlines = (DocumentInline, TransitionInline)
    #: The change page, read-only, in the order staff read an application.
    _FIELDSETS = (
        (gettext_lazy("Application"), ("status", "applicant", "round", "submitted_at", "created_at")),
        (gettext_lazy("Who applies"), ("entity_type", "direction", "direction_note", "eligibility", "eligibility_override")),
        (gettext_lazy("Identity"), ("person_name", "IDENTITY", "phone", "email", "company_name")),
        (gettext_lazy("Project"), ("project_summary",)),
        (gettext_lazy("Declaration and consents"), (
            "declares_no_dishonesty", "consent_id_processing_at", "consent_public_naming", "consent_public_naming_at",
            "entered_by", "paper_consent_by", "paper_consent_on", "paper_consent_how",
        )),
        (gettext_lazy("Earlier residency (re-application)"), ("earlier_record",)),
        (gettext_lazy("Review"), (
            "review_due", "evaluation_feasibility", "evaluation_fit", "evaluated_at", "result_due", "decided_at",
            "decision_reason", "reviewer",
        )),
    )

    def _identity(self, request: HttpRequest) -> tuple[str, ...]:
        # The full numbers are for those who verify them (the reviewers); oversight sees them masked.
        return ("id_number", "uscc") if has_role(request.user, *services.REVIEWERS) else ("masked_id", "masked_uscc")

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[tuple[Any, dict[str, Any]]]:
        identity = self._identity(request)
        return [
            (title, {"fields": [f for name in names for f in (identity if name == "IDENTITY" else (name,))]})
            for title, names in self._FIELDSETS
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return tuple(f for _title, options in self.get_fieldsets(request, obj) for f in options["fields"])

    # --- who sees what --------------------------------------------------------------------------

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) and has_role(request.user, *selectors.MATERIAL_READERS)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The data is the applicant's and the status moves only through the steps; the list's
        # actions still need the change permission, and only reviewers hold it.
        return obj is None and super().has_change_permission(request) and has_role(request.user, *services.REVIEWERS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # applicants apply in the portal or through the API

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # part of the archive (第三章第五条)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Application]:
        return selectors.applications_for_staff()

    def get_ordering(self, request: HttpRequest) -> tuple[Any, ...]:
        # The queue: earliest current deadline first, applications without one last.
        return (F("current_due").asc(nulls_last=True), "-submitted_at", "-id")

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        """Compute each row's deadline with one calendar load (no query per row)."""
        changelist = super().get_changelist_instance(request)
        today = timezone.localdate()
        calendar = work_calendar()
        for application in changelist.result_list:
            application.deadline_info = selectors.deadline_view(application, today=today, calendar=calendar)
        return changelist

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        today = timezone.localdate()
        summary = selectors.intake_sla_summary(today.replace(day=1), today)
        return super().changelist_view(request, {**(extra_context or {}), "intake_sla": summary,
                                                 "can_enter_paper": has_role(request.user, *services.REVIEWERS)})

    # --- columns --------------------------------------------------------------------------------

    @admin.display(description=gettext_lazy("No."), ordering="id")
    def number(self, application: Application) -> str:
        return f"#{application.pk}"

    @admin.display(description=gettext_lazy("applicant"), ordering="person_name")
    def applicant_name(self, application: Application) -> str:
        if application.company_name:
            return f"{application.company_name}（{application.person_name}）"
        return application.person_name or str(application.applicant)

    @admin.display(description=gettext_lazy("ID card number"))
    def masked_id(self, application: Application) -> str:
        return mask_identity_number(application.id_number) or "—"

    @admin.display(description=gettext_lazy("unified social credit code"))
    def masked_uscc(self, application: Application) -> str:
        return mask_identity_number(application.uscc) or "—"

    @admin.display(description=gettext_lazy("current deadline"), ordering="current_due")
    def deadline(self, application: Application) -> str:
        # The changelist computed every row's (None: nothing is due); other pages compute it here.
        if hasattr(application, "deadline_info"):
            info = application.deadline_info
        else:
            info = selectors.deadline_view(application, today=timezone.localdate(), calendar=work_calendar())
        if info is None:
            step = selectors.current_step_of(application)
            return str(step.label) if step else "—"
        when = f"{info.step.label} · {format_day(info.date)}"
        provisional = _("（provisional）") if info.provisional else ""
        if info.is_overdue:
            return format_html(
                '<strong class="opc-overdue" style="color:#b42318">{}<br>{}</strong>{}',
                when,
                _("overdue by %(days)d working day(s)") % {"days": info.overdue_days},
                provisional,
            )
        left = (
            _("due today")
            if info.days_left == 0
            else _("%(days)d working day(s) left") % {"days": info.days_left}
        )
        return format_html("{}<br>{}{}", when, left, provisional)

    @admin.display(description=gettext_lazy("initial review due"))
    def review_due(self, application: Application) -> str:
        return _due_text(application.review_due_at, application.review_due_provisional)

    @admin.display(description=gettext_lazy("result due"))
    def result_due(self, application: Application) -> str:
        return _due_text(application.result_due_at, application.result_due_provisional)

    @admin.display(description=gettext_lazy("eligibility flags"))
    def flags(self, application: Application) -> str:
        found = rules.eligibility_flags(entity_type=application.entity_type, direction=application.direction)
        if not found:
            return ""
        if application.eligibility_override:
            return _("overridden")
        return format_html('<span style="color:#8a3c04">⚑ {}</span>', len(found))

    @admin.display(description=gettext_lazy("eligibility flags"))
    def eligibility(self, application: Application) -> str:
        found = rules.eligibility_flags(entity_type=application.entity_type, direction=application.direction)
        if not found:
            return _("None: the automatic checks passed at submission (第三章第一条).")
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((rules.FLAG_MESSAGES[f],) for f in found)))

    @admin.display(description=gettext_lazy("earlier record"))
    def earlier_record(self, application: Application) -> str:
        """A former resident with the same ID number: their violations, exits, bans and scores (第三章第一条)."""
        return render_to_string("residents/intake/admin/earlier_record.html",
                                {"residencies": earlier_residencies(application)})

    # --- review steps ---------------------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        return [
            path("paper/", self.admin_site.admin_view(self.paper_view), name="residents_application_paper"),
            path(
                "<path:object_id>/step/<str:step>/",
                self.admin_site.admin_view(self.step_view),
                name="residents_application_step",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        application = self.get_object(request, object_id)
        steps = []
        if application is not None and has_role(request.user, *services.REVIEWERS):
            steps = [
                (STEP_LABELS[name], reverse("admin:residents_application_step", args=[application.pk, name]), name)
                for name in services.available_steps(application)
            ]
        workflow = application_workflow(application, steps) if application is not None else None
        primary = workflow["next_action"] if workflow else None
        others = [(label, url) for label, url, _name in steps if primary is None or url != primary["url"]]
        return super().change_view(request, object_id, form_url,
                                   {**(extra_context or {}), "review_steps": others, "workflow": workflow})

    def paper_view(self, request: HttpRequest) -> HttpResponse:
        """Enter an application received on paper for the applicant, with their consent as given on paper."""
        if not has_role(request.user, *services.REVIEWERS):
            raise PermissionDenied
        form = PaperApplicationForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                application = paper_services.application_enter_on_paper(
                    details=form.details(), consent=form.consent(), uploads=form.uploads(), actor=request.user,
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                self.message_user(request, _("%(name)s: the paper application was entered and submitted.")
                                  % {"name": application.display_name}, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:residents_application_change", args=[application.pk]))
        context = {**self.admin_site.each_context(request), "title": _("Enter a paper application"),
                   "opts": self.model._meta, "form": form, "sections": form.sections()}
        return TemplateResponse(request, "residents/intake/admin/paper_form.html", context)

    def step_view(self, request: HttpRequest, object_id: str, step: str) -> HttpResponse:
        """One review step on one application: its form, then the service; back to the application."""
        if step not in STEP_FORMS or not self.has_change_permission(request):
            return HttpResponse(status=403) if step in STEP_FORMS else HttpResponse(status=404)
        application = get_object_or_404(self.get_queryset(request), pk=object_id)
        form = STEP_FORMS[step](request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            try:
                services.application_review_step(
                    application=application, step=step, actor=request.user, **form.cleaned_data
                )
            except DomainError as error:
                field = error.field if error.field in form.fields else None
                form.add_error(field, str(error.message))
            else:
                self.message_user(request, _done_message(step, application), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:residents_application_change", args=[application.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": STEP_LABELS[step],
            "form": form,
            "objects": [application],
            "application": application,
            "back_url": reverse("admin:residents_application_change", args=[application.pk]),
            "flags": [
                rules.FLAG_MESSAGES[f]
                for f in rules.eligibility_flags(entity_type=application.entity_type, direction=application.direction)
            ],
            "opts": self.model._meta,
            "single": True,
            "media": self.media + form.media,
            "result_due": selectors.evaluation_result_due(timezone.now()) if step == "record_evaluation" else None,
        }
        return TemplateResponse(request, "residents/intake/admin/step_form.html", context)

    def _run_step(self, request: HttpRequest, queryset: QuerySet[Application], step: str) -> TemplateResponse | None:
        """A review step on the selected applications, through an intermediate page asking for the input."""
        form_class = STEP_FORMS[step]
        form = form_class(request.POST if "apply" in request.POST else None)
        if step == "record_evaluation" and queryset.count() != 1:
            self.message_user(request, _("Record the evaluation of one application at a time."), messages.ERROR)
            return None
        if form.is_bound and form.is_valid():
            done = 0
            for application in queryset:
                try:
                    services.application_review_step(
                        application=application, step=step, actor=request.user, **form.cleaned_data
                    )
                except DomainError as error:
                    self.message_user(request, f"#{application.pk} {application.display_name}: {error.message}", messages.ERROR)
                    continue
                done += 1
                self.message_user(request, _done_message(step, application), messages.SUCCESS)
            if not done:
                self.message_user(request, _("Nothing was changed."), messages.WARNING)
            return None
        flags = sorted(
            {
                str(rules.FLAG_MESSAGES[f])
                for application in queryset
                for f in rules.eligibility_flags(entity_type=application.entity_type, direction=application.direction)
            }
        )
        context = {
            **self.admin_site.each_context(request),
            "title": STEP_LABELS[step],
            "form": form,
            "objects": queryset,
            "flags": flags if step == "start_evaluation" else [],
            "action_name": {"return": "return_for_material"}.get(step, step),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "residents/intake/admin/step_form.html", context)

    @admin.action(description=STEP_LABELS["start_evaluation"], permissions=["change"])
    def start_evaluation(self, request: HttpRequest, queryset: QuerySet[Application]) -> TemplateResponse | None:
        return self._run_step(request, queryset, "start_evaluation")

    @admin.action(description=STEP_LABELS["return"], permissions=["change"])
    def return_for_material(self, request: HttpRequest, queryset: QuerySet[Application]) -> TemplateResponse | None:
        return self._run_step(request, queryset, "return")

    @admin.action(description=STEP_LABELS["reject"], permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[Application]) -> TemplateResponse | None:
        return self._run_step(request, queryset, "reject")

    @admin.action(description=STEP_LABELS["record_evaluation"], permissions=["change"])
    def record_evaluation(self, request: HttpRequest, queryset: QuerySet[Application]) -> TemplateResponse | None:
        return self._run_step(request, queryset, "record_evaluation")

    @admin.action(description=STEP_LABELS["approve"], permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Application]) -> TemplateResponse | None:
        return self._run_step(request, queryset, "approve")

    @admin.action(description=gettext_lazy("Export to Excel"), permissions=["view"])
    def export_excel(self, request: HttpRequest, queryset: QuerySet[Application]) -> HttpResponse:
        """The selected applications as a spreadsheet (ID numbers masked)."""
        now = timezone.now()

        def is_overdue(application: Application) -> str:
            due = getattr(application, "current_due", None)
            return _("yes") if due is not None and due < now else ""

        columns = [
            Column(_("No."), lambda a: a.pk, "number", 8),
            Column(_("applicant"), self.applicant_name, width=16),
            Column(_("status"), lambda a: a.get_status_display()),
            Column(_("entity type"), lambda a: a.get_entity_type_display(), width=18),
            Column(_("direction"), lambda a: a.get_direction_display()),
            Column(_("ID card number"), lambda a: mask_identity_number(a.id_number), width=20),
            Column(_("mobile phone"), lambda a: a.phone),
            Column(_("submission round"), lambda a: a.round, "number", 8),
            Column(_("submitted at"), lambda a: a.submitted_at, "datetime", 18),
            Column(_("current deadline"), lambda a: getattr(a, "current_due", None), "datetime", 18),
            Column(_("overdue"), is_overdue, width=8),
        ]
        return xlsx_response(
            f"applications-{timezone.localdate():%Y-%m-%d}", Sheet(_("applications"), columns, queryset)
        )


def _due_text(moment: Any, provisional: bool) -> str:
    """A stored deadline with its date and time in Asia/Shanghai, marked when provisional (RULEBOOK §2)."""
    if moment is None:
        return "—"
    text = format_moment(moment)
    return f"{text}{_('（provisional）')}" if provisional else text


def _done_message(step: str, application: Application) -> str:
    application.refresh_from_db(fields=["status"])
    return _("#%(number)s %(name)s: %(status)s.") % {
        "number": application.pk,
        "name": application.display_name,
        "status": ApplicationStatus(application.status).label,
    }
