"""Portal pages for questions about the reward and penalty rules (答疑, 第九章第五条) and the FAQ.

A resident sees its own questions only (another resident's: 404); the FAQ is the published
entries, written by staff without personal data (also on the public notice board).
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from opc_community import rulebook
from opc_community.core.views import submit_form
from residents.access import resident_required
from residents.forms.rule_questions import QuestionForm
from residents.rules import rule_questions as rules
from residents.selectors import rule_questions as selectors
from residents.services import rule_questions as services

PAGE_SIZE = 20


def _promise() -> str:
    return rules.promise_text(rulebook.in_force().deadlines.rule_question_answer_working_days)


@resident_required
@require_GET
def question_list(request: HttpRequest) -> HttpResponse:
    """我的规则咨询: the resident's own questions, newest first."""
    page = Paginator(selectors.questions_of(request.resident), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "residents/rule_questions/list.html", {"page": page, "rule": _promise()})


@resident_required
@require_http_methods(["GET", "POST"])
def question_new(request: HttpRequest) -> HttpResponse:
    form = QuestionForm(request.POST if request.method == "POST" else None, rules_in_force=rulebook.in_force())
    return submit_form(
        request, form,
        lambda data: services.question_ask(resident=request.resident, actor=request.user, **data),
        success_url=lambda question: reverse("residents:rule_question_detail", args=[question.pk]),
        message=_("Your question was sent to the operations team. You will find the answer here."),
        template="residents/rule_questions/new.html", context={"rule": _promise()},
        failed_status=200, flash_errors=True, once="residents.rule_question_ask",
    )


@resident_required
@require_GET
def question_detail(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(selectors.questions_of(request.resident), pk=pk)
    return render(request, "residents/rule_questions/detail.html", {
        "question": question, "state": selectors.answer_state(question, now=timezone.now()), "rule": _promise(),
    })


@login_required
@require_GET
def faq_list(request: HttpRequest) -> HttpResponse:
    """规则问答: the published FAQ entries (no personal data; the same entries are on the notice board)."""
    page = Paginator(selectors.faq_entries(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "residents/rule_questions/faq.html", {"page": page})


urlpatterns = [
    path("rule-questions/", question_list, name="rule_question_list"),
    path("rule-questions/new/", question_new, name="rule_question_new"),
    path("rule-questions/<int:pk>/", question_detail, name="rule_question_detail"),
    path("rule-questions/faq/", faq_list, name="rule_faq"),
]
