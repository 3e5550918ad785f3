"""Residents file their quarterly plan (RULEBOOK §7.1, decision added 2026-12), under /portal/scores/plans/.

Who: a checked-in resident who acknowledged the rules (``resident_required``), for the quarters it was
checked in during; everything is fetched through ``request.resident``, so another resident's plan is
simply not found (404). The page of a quarter shows the plan form and the submit button while the plan
may be filed (until the last day to file, 23:59), its status and staff's reason afterwards, and — once
accepted — the change request form and the requests with their answers.
"""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opc_community.core.errors import DomainError
from residents.access import resident_required
from scoring.forms.plans import PlanChangeForm, PlanForm
from scoring.models import Quarter
from scoring.selectors import plans as selectors
from scoring.selectors.inputs import in_cohort
from scoring.services import plans as services


def _quarter(request: HttpRequest, pk: int) -> Quarter:
    quarter = get_object_or_404(Quarter, pk=pk)
    if not in_cohort(quarter, request.resident):
        raise Http404
    return quarter


def _rule() -> str:
    return _(
        "At the start of each quarter you file your plan: the milestones you will complete and your revenue "
        "target, within the first 10 working days of the quarter (or of your check-in, if later). Staff accept "
        "it — then it is locked — or return it with a reason. Your results at quarter end are measured against "
        "the accepted plan; without one, completion and revenue score 0. A change of an accepted plan needs "
        "staff's approval (Chapter 6, Article 1)."
    )


@resident_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    """我的季度计划: each quarter of the residency with its plan's status and, while it may be filed, the
    last day to file."""
    today = timezone.localdate()
    lines = selectors.plans_of(request.resident, today=today)
    return render(request, "scoring/plans/list.html", {"lines": lines, "today": today, "rule": _rule()})


def _page(request: HttpRequest, quarter: Quarter, *, forms: dict[str, Any] | None = None,
          status: int = 200) -> HttpResponse:
    page = selectors.plan_page(request.resident, quarter, today=timezone.localdate())
    plan = page.plan
    initial = {"milestones_planned": plan.milestones_planned, "revenue_target": plan.revenue_target,
               "note": plan.note} if plan else {}
    context = {
        "page": page,
        "quarter": quarter,
        "plan": plan,
        "plan_form": PlanForm(initial=initial),
        "change_form": PlanChangeForm(initial={k: v for k, v in initial.items() if k != "note"}),
        "rule": _rule(),
        **(forms or {}),
    }
    return render(request, "scoring/plans/detail.html", context, status=status)


def _refused(request: HttpRequest, quarter: Quarter, name: str, form: Any, error: DomainError) -> HttpResponse:
    """The service's refusal next to its field (or on top), the page again with nothing lost."""
    if error.field and error.field in form.fields:
        form.add_domain_error(error)
    else:
        form.add_error(None, error.message)
    return _page(request, quarter, forms={name: form}, status=error.status_code)


@resident_required
@require_http_methods(["GET", "POST"])
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the quarter's plan; POST: save it (a draft until submitted)."""
    quarter = _quarter(request, pk)
    if request.method == "GET":
        return _page(request, quarter)
    form = PlanForm(request.POST)
    if not form.is_valid():
        return _page(request, quarter, forms={"plan_form": form}, status=400)
    try:
        services.plan_save(quarter=quarter, resident=request.resident, values=form.cleaned_data, actor=request.user)
    except DomainError as error:
        return _refused(request, quarter, "plan_form", form, error)
    messages.success(request, _("Your plan is saved. Submit it to staff before the deadline."))
    return redirect("scoring:plan_detail", pk=quarter.pk)


def _own_plan(request: HttpRequest, quarter: Quarter) -> Any:
    plan = selectors.plan_of(request.resident, quarter)
    if plan is None:
        raise DomainError(_("Save your plan first."))
    return plan


@resident_required
@require_POST
def plan_submit(request: HttpRequest, pk: int) -> HttpResponse:
    quarter = _quarter(request, pk)
    try:
        services.plan_submit(plan=_own_plan(request, quarter), actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return _page(request, quarter, status=error.status_code)
    messages.success(request, _("Your plan for %(quarter)s is submitted to staff.") % {"quarter": quarter})
    return redirect("scoring:plan_detail", pk=quarter.pk)


@resident_required
@require_POST
def plan_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask staff to change the accepted plan (new numbers and the reason)."""
    quarter = _quarter(request, pk)
    form = PlanChangeForm(request.POST)
    if not form.is_valid():
        return _page(request, quarter, forms={"change_form": form}, status=400)
    try:
        services.plan_change_request(plan=_own_plan(request, quarter), values=form.cleaned_data,
                                     reason=form.cleaned_data["reason"], actor=request.user)
    except DomainError as error:
        return _refused(request, quarter, "change_form", form, error)
    messages.success(request, _("Your change request is sent to staff."))
    return redirect("scoring:plan_detail", pk=quarter.pk)


urlpatterns = [
    path("plans/", plan_list, name="plan_list"),
    path("plans/<int:pk>/", plan_detail, name="plan_detail"),
    path("plans/<int:pk>/submit/", plan_submit, name="plan_submit"),
    path("plans/<int:pk>/change/", plan_change, name="plan_change"),
]
