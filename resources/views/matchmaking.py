"""Portal pages of scenario matchmaking and policy help (场景对接、政策对接, 第五章第二条), under
/portal/resources/scenarios/ and /portal/resources/policies/.

Residents (``resident_required``): the open scenarios and opportunities, a scenario's page with the
proposal form (express interest, change it until the deadline, withdraw); the open policies, a policy's
page (follow, ask for help); 我的对接 — their interests with every step recorded, their requests for help
with the state and the response deadline, the policies they follow. A resident only ever reads its own:
interests and requests are fetched through ``request.resident`` (another's → 404).
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opc_community.core.moments import format_day
from opc_community.core.views import submit_action, submit_form
from residents.access import resident_required
from residents.guards import Action, refusal
from resources.forms.matchmaking import HelpRequestForm, InterestForm
from resources.models import OPEN_HELP, OPEN_INTEREST, InterestStatus
from resources.rules import matchmaking as rules
from resources.selectors import matchmaking as selectors
from resources.services import policies as policy_services
from resources.services import scenarios as services


@resident_required(checked_in=False)
@require_GET
def scenario_list(request: HttpRequest) -> HttpResponse:
    """场景清单: published scenarios and opportunities taking interest, with the resident's own marked."""
    mine = set(selectors.interests_of(request.resident).exclude(status=InterestStatus.WITHDRAWN)
               .values_list("scenario_id", flat=True))
    return render(request, "resources/matchmaking/scenarios.html", {
        "scenarios": list(selectors.open_scenarios()), "mine": mine,
        "refusal": refusal(request.resident, Action.JOIN_SCENARIO),
    })


@resident_required
@require_http_methods(["GET", "POST"])
def scenario_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A scenario: the need, the partner (by name), the deadline; the proposal form (new or change)."""
    scenario = get_object_or_404(selectors.published_scenarios(), pk=pk)
    interest = selectors.interests_of(request.resident).filter(scenario=scenario).first()
    editing = interest is not None and interest.status in OPEN_INTEREST
    form = InterestForm(request.POST or None, initial={"proposal": interest.proposal} if editing else None)
    closed = rules.open_refusal(published=True, deadline=scenario.deadline, today=timezone.localdate())

    def save(data: dict) -> object:
        if editing:
            return services.interest_update(interest=interest, proposal=data["proposal"], actor=request.user)
        return services.interest_submit(scenario=scenario, resident=request.resident, proposal=data["proposal"],
                                        actor=request.user)

    return submit_form(
        request, form, save, success_url=reverse("resources:scenario_detail", args=[scenario.pk]),
        message=_("Your proposal was saved; you can change it until %(deadline)s.")
        % {"deadline": format_day(scenario.deadline)},
        template="resources/matchmaking/scenario.html",
        context={"scenario": scenario, "interest": interest, "editing": editing,
                 "closed": closed and services.refusal_message(closed, scenario),
                 "refusal": refusal(request.resident, Action.JOIN_SCENARIO)},
    )


@resident_required(checked_in=False)
@require_POST
def interest_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    interest = get_object_or_404(selectors.interests_of(request.resident), pk=pk)
    return submit_action(request, lambda: services.interest_withdraw(interest=interest, actor=request.user),
                         redirect_to=reverse("resources:my_matchmaking"), message=_("Your interest was withdrawn."))


@resident_required(checked_in=False)
@require_GET
def policy_list(request: HttpRequest) -> HttpResponse:
    """政策对接: the published policies whose deadline has not passed, the ones the resident follows marked."""
    return render(request, "resources/matchmaking/policies.html", {
        "policies": list(selectors.open_policies(resident=request.resident)),
        "refusal": refusal(request.resident, Action.REQUEST_POLICY),
    })


@resident_required
@require_http_methods(["GET", "POST"])
def policy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A policy: what it gives, who may apply, the deadline; follow it, ask for help applying."""
    policy = get_object_or_404(selectors.published_policies(), pk=pk)
    requests = list(selectors.help_requests_of(request.resident).filter(policy=policy))
    closed = rules.open_refusal(published=True, deadline=policy.application_deadline, today=timezone.localdate())
    return submit_form(
        request, HelpRequestForm(request.POST or None),
        lambda data: policy_services.help_request(policy=policy, resident=request.resident,
                                                  question=data["question"], actor=request.user),
        success_url=reverse("resources:my_matchmaking"),
        message=lambda help_request: _("Your request was sent; the resources team answers by %(due)s.")
        % {"due": format_day(help_request.response_due_at)},
        template="resources/matchmaking/policy.html",
        context={"policy": policy, "requests": requests,
                 "open_request": next((r for r in requests if r.status in OPEN_HELP), None),
                 "followed": selectors.followed_by(request.resident).filter(policy=policy).exists(),
                 "closed": closed and policy_services.refusal_message(closed, policy),
                 "refusal": refusal(request.resident, Action.REQUEST_POLICY)},
    )


@resident_required
@require_POST
def policy_follow(request: HttpRequest, pk: int) -> HttpResponse:
    policy = get_object_or_404(selectors.published_policies(), pk=pk)
    if request.POST.get("follow") == "0":
        return submit_action(
            request, lambda: policy_services.interest_unmark(policy=policy, resident=request.resident,
                                                             actor=request.user),
            redirect_to=reverse("resources:policy_detail", args=[pk]), message=_("You no longer follow this policy."))
    return submit_action(
        request, lambda: policy_services.interest_mark(policy=policy, resident=request.resident, actor=request.user),
        redirect_to=reverse("resources:policy_detail", args=[pk]),
        message=_("You follow this policy and are reminded before its deadline."))


@resident_required(checked_in=False)
@require_POST
def help_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    help_request = get_object_or_404(selectors.help_requests_of(request.resident), pk=pk)
    return submit_action(request, lambda: policy_services.help_withdraw(request=help_request, actor=request.user),
                         redirect_to=reverse("resources:my_matchmaking"), message=_("Your request was withdrawn."))


@resident_required(checked_in=False)
@require_GET
def my_matchmaking(request: HttpRequest) -> HttpResponse:
    """我的对接: interests with their steps, requests for help with their progress, policies followed."""
    now = timezone.now()
    help_requests = list(selectors.help_requests_of(request.resident))
    return render(request, "resources/matchmaking/mine.html", {
        "interests": list(selectors.interests_of(request.resident)),
        "help_requests": [(item, selectors.sla_of(item, now=now)) for item in help_requests],
        "followed": list(selectors.followed_by(request.resident)),
        "open_statuses": OPEN_INTEREST, "open_help": OPEN_HELP,
    })


urlpatterns = [
    path("scenarios/", scenario_list, name="scenario_list"),
    path("scenarios/<int:pk>/", scenario_detail, name="scenario_detail"),
    path("scenarios/interests/<int:pk>/withdraw/", interest_withdraw, name="interest_withdraw"),
    path("policies/", policy_list, name="policy_list"),
    path("policies/<int:pk>/", policy_detail, name="policy_detail"),
    path("policies/<int:pk>/follow/", policy_follow, name="policy_follow"),
    path("policies/help/<int:pk>/withdraw/", help_withdraw, name="help_withdraw"),
    path("matchmaking/mine/", my_matchmaking, name="my_matchmaking"),
]
