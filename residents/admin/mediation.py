"""The operations desk for mediation (调解, 第四章第三条 2) and questions about the rules (答疑, 第九章第五条).

Nothing is hand-edited: the steps are admin actions that ask for their input on an intermediate
page and call the service — for a mediation 安排调解 (schedule or move the session) and 记录结果并结案
(attendance, agreement or failure); for a question 回复 (answer) and 发布为常见问题 (publish an FAQ
entry on the notice board, refused while its texts hold personal data). Lists show the deadlines,
with overdue ones in red and a filter for them. The daily management team and the administrator act;
every staff group with the view permission reads; oversight only reads. Nothing is deleted.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.core.admin_base import ReadOnlyAdmin, ReadOnlyInline, action_step
from opc_community.core.moments import format_day
from residents.forms.mediation import CloseForm, ScheduleForm
from residents.forms.rule_questions import AnswerForm, FaqForm
from residents.models import Mediation, MediationStatement, RuleFaq, RuleQuestion
from residents.selectors import mediation as mediation_selectors
from residents.selectors import rule_questions as question_selectors
from residents.services import mediation as mediation_services
from residents.services import rule_questions as question_services
from residents.services.complaints import is_handler


class _Overdue(admin.SimpleListFilter):
    title = gettext_lazy("overdue")
    parameter_name = "overdue"
    condition: Callable[[Any], Any]

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("yes", gettext_lazy("Yes"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(type(self).condition(timezone.now()))
        return queryset


class MediationOverdueFilter(_Overdue):
    condition = staticmethod(
        lambda now: mediation_selectors.schedule_overdue_q(now) | mediation_selectors.close_overdue_q(now)
    )


class QuestionOverdueFilter(_Overdue):
    condition = staticmethod(question_selectors.answer_overdue_q)


def _due(due_at: Any, overdue: bool) -> str:
    if overdue:
        return format_html('<strong class="opc-overdue" style="color:#b42318">{} · {}</strong>',
                           format_day(due_at), _("Overdue"))
    return format_day(due_at)


def _one(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> Any:
    """The one selected row of a step that works on one object at a time, else None (with a message)."""
    if not is_handler(request.user):
        modeladmin.message_user(request, _("Only the daily management team or the administrator can do this."),
                                messages.ERROR)
        return None
    if queryset.count() != 1:
        modeladmin.message_user(request, _("Select exactly one row for this step."), messages.WARNING)
        return None
    return queryset.first()


class StatementInline(ReadOnlyInline):
    model = MediationStatement
    fields = ("at", "party", "author", "body")
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("statements of the parties")


@admin.register(Mediation)
class MediationAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "status", "filed_at", "schedule_due", "close_due", "session_at", "handled_by")
    list_filter = ("status", MediationOverdueFilter)
    search_fields = ("requester__name", "respondent__name", "facts")
    list_select_related = ("requester", "respondent", "handled_by")
    actions = ("schedule", "close")

    def has_handle_permission(self, request: HttpRequest) -> bool:
        return is_handler(request.user)  # the daily management team and the administrator act; others read
    inlines = (StatementInline,)
    readonly_fields = (
        "requester", "respondent", "facts", "wish", "status", "filed_at", "schedule_due_at", "close_due_at",
        "due_provisional", "session_at", "session_place", "scheduled_at", "requester_attended",
        "respondent_attended", "outcome", "closed_at", "handled_by",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Mediation]:
        return mediation_selectors.mediation_queue()

    @admin.display(description=gettext_lazy("session to be scheduled by"), ordering="schedule_due_at")
    def schedule_due(self, mediation: Mediation) -> str:
        overdue = mediation.scheduled_at is None and mediation.status == "requested" and \
            mediation.schedule_due_at < mediation_selectors.sla.overdue_cutoff(timezone.now())
        return _due(mediation.schedule_due_at, overdue)

    @admin.display(description=gettext_lazy("mediation to be closed by"), ordering="close_due_at")
    def close_due(self, mediation: Mediation) -> str:
        overdue = not mediation.is_closed and \
            mediation.close_due_at < mediation_selectors.sla.overdue_cutoff(timezone.now())
        return _due(mediation.close_due_at, overdue)

    @admin.action(description=gettext_lazy("Schedule or move the mediation session"), permissions=["handle"])
    def schedule(self, request: HttpRequest, queryset: QuerySet[Mediation]) -> TemplateResponse | None:
        mediation = _one(self, request, queryset)
        if mediation is None:
            return None
        form = ScheduleForm(request.POST if "apply" in request.POST else None)

        def apply(data: dict[str, Any]) -> None:
            mediation_services.mediation_schedule(
                mediation=mediation, session_at=data["session_at"], place=data["place"], actor=request.user
            )
            self.message_user(request, _("%(mediation)s: session scheduled; both parties were told.")
                              % {"mediation": mediation}, messages.SUCCESS)

        return action_step(self, request, [mediation], form=form, title=_("Schedule the mediation session"),
                           action_name="schedule", apply=apply)

    @admin.action(description=gettext_lazy("Record the session and close the mediation"), permissions=["handle"])
    def close(self, request: HttpRequest, queryset: QuerySet[Mediation]) -> TemplateResponse | None:
        mediation = _one(self, request, queryset)
        if mediation is None:
            return None
        form = CloseForm(request.POST if "apply" in request.POST else None)

        def apply(data: dict[str, Any]) -> None:
            mediation_services.mediation_close(mediation=mediation, actor=request.user, **form.service_arguments())
            self.message_user(request, _("%(mediation)s: closed; both parties were told.")
                              % {"mediation": mediation}, messages.SUCCESS)

        return action_step(self, request, [mediation], form=form, title=_("Record the session and close"),
                           action_name="close", apply=apply)


@admin.register(RuleQuestion)
class RuleQuestionAdmin(ReadOnlyAdmin):
    list_display = ("topic_label", "resident", "status", "asked_at", "answer_due", "answered_by")
    list_filter = ("status", QuestionOverdueFilter, "topic")
    search_fields = ("topic_label", "text", "resident__name")
    list_select_related = ("resident", "answered_by")
    actions = ("answer", "publish_faq")

    def has_handle_permission(self, request: HttpRequest) -> bool:
        return is_handler(request.user)
    readonly_fields = (
        "resident", "topic", "topic_label", "text", "status", "asked_at", "answer_due_at", "due_provisional",
        "answer", "answered_at", "answered_by",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[RuleQuestion]:
        return question_selectors.question_queue()

    @admin.display(description=gettext_lazy("answer due"), ordering="answer_due_at")
    def answer_due(self, question: RuleQuestion) -> str:
        overdue = question_selectors.answer_state(question, now=timezone.now()) == "overdue"
        return _due(question.answer_due_at, overdue)

    @admin.action(description=gettext_lazy("Answer the question"), permissions=["handle"])
    def answer(self, request: HttpRequest, queryset: QuerySet[RuleQuestion]) -> TemplateResponse | None:
        question = _one(self, request, queryset)
        if question is None:
            return None
        form = AnswerForm(request.POST if "apply" in request.POST else None)

        def apply(data: dict[str, Any]) -> None:
            question_services.question_answer(question=question, text=data["answer"], actor=request.user)
            self.message_user(request, _("Answer sent to the resident."), messages.SUCCESS)

        return action_step(self, request, [question], form=form, title=_("Answer the question"),
                           action_name="answer", apply=apply)

    @admin.action(description=gettext_lazy("Publish as an FAQ entry on the notice board"), permissions=["handle"])
    def publish_faq(self, request: HttpRequest, queryset: QuerySet[RuleQuestion]) -> TemplateResponse | None:
        question = _one(self, request, queryset)
        if question is None:
            return None
        # Starts from the resident's words, to be rewritten for everyone (the service refuses personal data).
        form = FaqForm(request.POST if "apply" in request.POST else None,
                       initial={"faq_question": question.text, "faq_answer": question.answer})

        def apply(data: dict[str, Any]) -> None:
            question_services.faq_publish(question=question, actor=request.user, **data)
            self.message_user(request, _("FAQ entry published on the notice board."), messages.SUCCESS)

        return action_step(self, request, [question], form=form, title=_("Publish as an FAQ entry"),
                           action_name="publish_faq", apply=apply)


@admin.register(RuleFaq)
class RuleFaqAdmin(ReadOnlyAdmin):
    list_display = ("question", "topic_label", "published_at", "published_by", "publication")
    list_select_related = ("published_by", "publication")
    search_fields = ("question", "answer")
