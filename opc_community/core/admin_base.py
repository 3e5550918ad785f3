"""Admin building blocks the domain apps share: records written only by services.

Statuses, logs and ledgers change through services (STYLE.md), so their admin pages and
inlines only show them: nobody adds, edits or deletes such rows by hand; actions that need
an answer first (a reason, a desk…) ask for it on an intermediate page (:func:`action_step`).
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy, pgettext_lazy

from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.core.errors import DomainError
from opc_community.core.forms import add_domain_error
from opc_community.core.models import PENDING, AppealRecord
from opc_community.core.moments import format_moment
from opc_community.core.workflow_steps import stage, workflow_context, workflow_steps


def action_step(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    form: forms.Form,
    title: str,
    action_name: str,
    apply: Callable[[dict[str, Any]], None],
    template: str = "admin/action_form.html",
    single: bool = False,
    back_url: str | None = None,
) -> TemplateResponse | None:
    """An admin action's intermediate page asking for its input (``form``, bound once the page is
    submitted); on a valid answer ``apply(cleaned_data)`` and None: the caller goes back. A refusal
    ``apply`` raises (DomainError) comes back on the page, next to its field. ``template`` extends
    admin/action_form.html to say more about the objects; ``single`` and ``back_url`` make it the page
    of one object (no selection to carry back; Cancel goes to ``back_url``)."""
    if form.is_bound and form.is_valid():
        try:
            apply(form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error, request=request)
        else:
            return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "objects": queryset,
        "action_name": action_name,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "opts": modeladmin.model._meta,
        "media": modeladmin.media + form.media,
        "single": single,
        "back_url": back_url,
    }
    return TemplateResponse(request, template, context)


class ReadOnlyInlineMixin:
    """An inline listing what services wrote under a record (messages, files, clearances…)."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(ReadOnlyInlineMixin, admin.TabularInline):
    """The usual table form of :class:`ReadOnlyInlineMixin`."""


class WriteColumnsMixin:
    """List columns that link to a page that writes, shown only to those holding its permission:
    ``write_columns = {"pay_link": "residents.add_payment"}`` (oversight and other readers see none)."""

    write_columns: dict[str, str] = {}

    def get_list_display(self, request: HttpRequest) -> Any:
        columns = super().get_list_display(request)  # type: ignore[misc]
        return [
            column for column in columns
            if column not in self.write_columns or request.user.has_perm(self.write_columns[column])
        ]


class ReadOnlyAdmin(admin.ModelAdmin):
    """A log, ledger or report page: viewing only."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- Appeals answered through a "decide" page (discipline 复核, scoring appeals) -------------------------


class AnswerOverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("answer overdue")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("yes", gettext_lazy("Yes"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(status=PENDING, answer_due_at__lt=timezone.now())
        return queryset


class AppealQueueAdmin(ReadOnlyAdmin):
    """Appeals in the operations desk: pending first, earliest due first, overdue in red; a pending
    appeal's page links to its "decide" page for the administrator, who answers appeals (第八章第二条,
    第六章第三条). Residents appeal from the portal or the API, so nothing is added here.

    A subclass provides ``decide_view(request, pk)``: the page that asks for the answer and calls its
    service (which checks again who may decide), and ``decide_label``, the primary button's text. The
    page shows the two steps of an appeal (待复核 → 已答复, with the answer) from its status."""

    decide_label: Any = gettext_lazy("Answer the appeal")

    def may_decide(self, request: HttpRequest) -> bool:
        return has_role(request.user, Role.ADMINISTRATOR)

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        return ["-status", "answer_due_at"]

    @admin.display(description=gettext_lazy("answer due"), ordering="answer_due_at")
    def due(self, appeal: AppealRecord) -> str:
        text = format_moment(appeal.answer_due_at)
        if appeal.status == PENDING and appeal.answer_due_at < timezone.now():
            return format_html('<strong style="color:#b42318">{} · {}</strong>', text, gettext_lazy("Overdue"))
        return text

    def _decide_url_name(self) -> str:
        return f"{self.model._meta.app_label}_{self.model._meta.model_name}_decide"

    def appeal_workflow(self, status: str, decide_url: str | None) -> dict[str, Any]:
        """Awaiting an answer, then answered (any other status of the model: the answer's own name)."""
        answers = [value for value, _label in self.model._meta.get_field("status").flatchoices if value != PENDING]
        stages = (stage(pgettext_lazy("workflow step", "Awaiting the answer"), PENDING),
                  stage(pgettext_lazy("workflow step", "Answered"), *answers))
        shown = workflow_steps(status, stages=stages, transitions={PENDING: answers},
                               labels=dict(self.model._meta.get_field("status").flatchoices))
        return workflow_context(shown, (self.decide_label, decide_url) if decide_url else None)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        status = self.model.objects.filter(pk=object_id).values_list("status", flat=True).first()
        decide_url = reverse(f"admin:{self._decide_url_name()}", args=[object_id]) \
            if status == PENDING and self.may_decide(request) else None
        workflow = self.appeal_workflow(status, decide_url) if status is not None else None
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "workflow": workflow})

    def get_urls(self) -> list:
        return [
            path("<int:pk>/decide/", self.admin_site.admin_view(self.decide_view), name=self._decide_url_name()),
            *super().get_urls(),
        ]
