"""Portal pages of the emergency plans (应急预案, 第七章第四条): the plan in force of each kind, readable by
everyone logged in on a phone — roles, what to do step by step, where the emergency supplies are.
Superseded versions stay in the operations desk only."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from spaces.models import PlanActivation, PlanKind
from spaces.selectors import emergency as selectors


@login_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    """The plans in force (one query)."""
    return render(request, "spaces/safety/plan_list.html", {"plans": list(selectors.current_plans())})


@login_required
@require_GET
def plan_detail(request: HttpRequest, kind: str) -> HttpResponse:
    """The plan in force of ``kind``, with its supplies and whether it is in action now (four queries)."""
    if kind not in PlanKind.values:
        raise Http404
    plan = selectors.current_plans().filter(kind=kind).first()
    if plan is None:
        raise Http404
    context = {
        "plan": plan,
        "supplies": selectors.supplies_for(kind, today=timezone.localdate()),
        "active": PlanActivation.objects.filter(plan__kind=kind, ended_at__isnull=True).exists(),
    }
    return render(request, "spaces/safety/plan_detail.html", context)


urlpatterns = [
    path("safety/plans/", plan_list, name="plan_list"),
    path("safety/plans/<str:kind>/", plan_detail, name="plan_detail"),
]
