"""Portal pages of the start-up services and the service-quality survey (第五章第三条、第四条).

Residents (``resident_required``): 创业服务 — the catalogue by stage and their own requests; a request
page (what they need); a request's page with its deadlines, the response and the result, cancel and
the satisfaction rating; 服务评估 — this quarter's questionnaire, answered once. A resident only ever
reads its own requests: everything is fetched through ``request.resident`` (another's → 404); nobody
reads survey answers (they are counted, not stored per resident).
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opc_community import rulebook
from opc_community.core.moments import format_day
from opc_community.core.views import submit_action, submit_form
from opc_community.workdays.selectors import work_calendar
from residents.access import resident_required
from residents.guards import Action, refusal
from resources.forms.stage import CancelForm, RatingForm, ServiceRequestForm, SurveyForm
from resources.models import ServiceStage
from resources.rules import stage as rules
from resources.selectors import stage as selectors
from resources.selectors import surveys as survey_selectors
from resources.services import stage as services
from resources.services import surveys as survey_services

PAGE_SIZE = 30


@resident_required(checked_in=False)
@require_GET
def services_page(request: HttpRequest) -> HttpResponse:
    """创业服务: the catalogue by stage, and the resident's requests."""
    by_stage = selectors.catalogue()
    today = timezone.localdate()
    book = rulebook.in_force(on=today)
    return render(request, "resources/stage/services.html", {
        "stages": [(label, by_stage[value]) for value, label in ServiceStage.choices],
        "requests": list(selectors.requests_of(request.resident)[:PAGE_SIZE]),
        "refusal": refusal(request.resident, Action.REQUEST_SERVICE),
        "response_days": book.stage_services.response_working_days,
        "resolution_days": book.stage_services.resolution_working_days,
    })


@resident_required
@require_http_methods(["GET", "POST"])
def service_request_new(request: HttpRequest, pk: int) -> HttpResponse:
    service = get_object_or_404(selectors.offered(), pk=pk)
    form = ServiceRequestForm(request.POST or None)
    return submit_form(
        request, form,
        lambda data: services.request_submit(service=service, resident=request.resident, need=data["need"],
                                             actor=request.user),
        success_url=lambda created: reverse("resources:service_request", args=[created.pk]),
        message=lambda created: _("Your request was sent; you get a response by %(due)s.")
        % {"due": format_day(created.response_due_at)},
        template="resources/stage/request_new.html",
        context={"service": service, "refusal": refusal(request.resident, Action.REQUEST_SERVICE)},
    )


@resident_required(checked_in=False)
@require_GET
def service_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    service_request = get_object_or_404(selectors.requests_of(request.resident), pk=pk)
    now = timezone.now()
    countdown = rules.countdown(
        work_calendar(), status=service_request.status,
        responded=service_request.responded_at is not None, response_due_at=service_request.response_due_at,
        resolution_due_at=service_request.resolution_due_at, now=now)
    return render(request, "resources/stage/request_detail.html", {
        "item": service_request,
        "countdown": countdown,
        "may_cancel": rules.may_cancel(service_request.status),
        "may_rate": rules.may_rate(service_request.status, service_request.rating is not None),
        "rating_form": RatingForm(),
        "cancel_form": CancelForm(),
    })


@resident_required(checked_in=False)
@require_POST
def service_request_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    service_request = get_object_or_404(selectors.requests_of(request.resident), pk=pk)
    form = CancelForm(request.POST)
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
    return submit_action(
        request, lambda: services.request_cancel(request=service_request, actor=request.user, reason=reason),
        redirect_to=reverse("resources:service_request", args=[pk]), message=_("Your request was cancelled."),
    )


@resident_required(checked_in=False)
@require_POST
def service_request_rate(request: HttpRequest, pk: int) -> HttpResponse:
    service_request = get_object_or_404(selectors.requests_of(request.resident), pk=pk)
    if not rules.may_rate(service_request.status, service_request.rating is not None):
        raise Http404
    form = RatingForm(request.POST)
    return submit_form(
        request, form,
        lambda data: services.request_rate(request=service_request, rating=data["rating"],
                                           comment=data.get("comment", ""), actor=request.user),
        success_url=reverse("resources:service_request", args=[pk]),
        message=_("Thank you for rating the service."),
        template="resources/stage/request_detail.html",
        context={"item": service_request, "may_rate": True, "rating_form": form, "countdown": None,
                 "may_cancel": False, "cancel_form": CancelForm()},
    )


@resident_required(checked_in=False)
@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest) -> HttpResponse:
    """服务评估 (第五章第四条): this quarter's questionnaire, answered once; the answers are counted anonymously."""
    survey = survey_selectors.open_survey()
    if survey is None:
        return render(request, "resources/stage/survey.html", {"survey": None})
    done = survey_selectors.answered(survey, request.resident)
    if done is not None:
        if request.method == "POST":
            return redirect("resources:survey")
        return render(request, "resources/stage/survey.html", {"survey": survey, "done": done})
    form = SurveyForm(request.POST if request.method == "POST" else None, survey=survey)
    return submit_form(
        request, form,
        lambda data: survey_services.survey_answer(survey=survey, resident=request.resident,
                                                   answers=form.answers(), actor=request.user),
        success_url=reverse("resources:survey"),
        message=_("Thank you: your answers were counted anonymously."),
        template="resources/stage/survey.html",
        context={"survey": survey, "done": None, "min_group": survey_selectors.min_group(survey)},
    )


urlpatterns = [
    path("services/", services_page, name="services"),
    path("services/<int:pk>/request/", service_request_new, name="service_request_new"),
    path("services/requests/<int:pk>/", service_request_detail, name="service_request"),
    path("services/requests/<int:pk>/cancel/", service_request_cancel, name="service_request_cancel"),
    path("services/requests/<int:pk>/rate/", service_request_rate, name="service_request_rate"),
    path("survey/", survey_page, name="survey"),
]
