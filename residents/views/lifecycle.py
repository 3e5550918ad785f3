"""Portal pages of the term and exits (续约、退出; 第三章第三条、第四条).

Thin views: each is for the logged-in resident only (``resident_required``: checked in,
rules acknowledged; an exiting resident still sees its pages), records are fetched
through ``request.resident`` (another resident's id: 404), and every change is one
service call whose refusal is shown next to the field, with the form kept filled in.
"""


from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opc_community import rulebook, workdays
from opc_community.core.views import submit_action, submit_form
from residents.access import resident_required
from residents.forms.lifecycle import RenewalRequestForm, VoluntaryExitForm
from residents.models import ExitStatus, RenewalStatus
from residents.rules import term
from residents.selectors import lifecycle as selectors
from residents.services import lifecycle as services

# --- Renewal ----------------------------------------------------------------------------------


@resident_required
@require_http_methods(["GET", "POST"])
def renewal(request: HttpRequest) -> HttpResponse:
    """续约: the agreement's end, the renewal window, each §4.3 condition (met or not, and why), the request."""
    today = timezone.localdate()
    form = RenewalRequestForm(request.POST if request.method == "POST" else None)

    def page(status: int) -> HttpResponse:
        state = selectors.renewal_state(request.resident, today=today)
        context = {
            "state": state,
            "form": form,
            "days_left": workdays.working_days_left(state.agreement.ends_on, today=today) if state.agreement else None,
            "term_rules": rulebook.in_force(today).term,
        }
        return render(request, "residents/lifecycle/renewal.html", context, status=status)

    return submit_form(
        request, form,
        lambda data: services.renewal_request(resident=request.resident, note=data["note"], actor=request.user,
                                              today=today),
        success_url=lambda created: reverse("residents:renewal_detail", args=[created.pk]),
        message=_("Your renewal request was sent to the intake team."), page=page,
    )


@resident_required
@require_GET
def renewal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One of the resident's renewal requests: status, the conditions (live while open), the decision."""
    today = timezone.localdate()
    item = get_object_or_404(
        request.resident.renewal_requests.select_related("agreement", "new_agreement", "decided_by"), pk=pk
    )
    if item.status == RenewalStatus.REQUESTED:
        conditions = selectors.renewal_conditions_for(
            resident=request.resident, agreement=item.agreement, today=today,
            direction_confirmed=item.direction_confirmed,
        )
    else:
        conditions = selectors.stored_conditions(item)
    return render(request, "residents/lifecycle/renewal_detail.html", {"renewal": item, "conditions": conditions})


@resident_required
@require_POST
def renewal_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(request.resident.renewal_requests, pk=pk)
    return submit_action(
        request, lambda: services.renewal_withdraw(renewal=item, actor=request.user),
        redirect_to=reverse("residents:renewal_detail", args=[item.pk]),
        message=_("Your renewal request was withdrawn."),
    )


# --- Exits ---------------------------------------------------------------------------------------


@resident_required
@require_http_methods(["GET", "POST"])
def exit_list(request: HttpRequest) -> HttpResponse:
    """退出: the exit in progress and past ones; the written application for a voluntary exit (≥ 15 days)."""
    today = timezone.localdate()
    rules = rulebook.in_force(today).term
    earliest = term.earliest_voluntary_exit(today, rules.voluntary_exit_notice_days)
    form = VoluntaryExitForm(request.POST if request.method == "POST" else None, earliest=earliest)

    def page(status: int) -> HttpResponse:
        exits = list(request.resident.exits.all())
        in_progress = next((e for e in exits if e.status in selectors.OPEN_EXIT), None)
        context = {
            "exits": exits,
            "in_progress": in_progress,
            "form": form,
            "can_apply": in_progress is None,
            "earliest": earliest,
            "term_rules": rules,
            "covered_until": selectors.last_day_covered(request.resident),
        }
        return render(request, "residents/lifecycle/exits.html", context, status=status)

    return submit_form(
        request, form,
        lambda data: services.exit_request_voluntary(resident=request.resident, exit_on=data["exit_on"],
                                                     reason=data["reason"], actor=request.user, today=today),
        success_url=lambda created: reverse("residents:exit_detail", args=[created.pk]),
        message=_("Your exit application was sent to the daily management team."), page=page,
    )


@resident_required
@require_GET
def exit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One of the resident's exits: dates, grace period with the days left, the checklist and who cleared what."""
    today = timezone.localdate()
    item = get_object_or_404(selectors.exits_of(request.resident), pk=pk)
    grace_left = None
    if item.grace_ends_on and item.status == ExitStatus.SCHEDULED:
        grace_left = workdays.working_days_left(item.grace_ends_on, today=today)
    context = {
        "exit": item,
        "checklist": selectors.exit_checklist(item),
        "grace_left": grace_left,
        "days_after_grace": term.days_after(item.grace_ends_on, today) if item.grace_ends_on else 0,
        "can_withdraw": term.exit_withdrawable(kind=item.kind, status=item.status),
    }
    return render(request, "residents/lifecycle/exit_detail.html", context)


@resident_required
@require_POST
def exit_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(request.resident.exits, pk=pk)
    return submit_action(
        request, lambda: services.exit_withdraw(exit=item, actor=request.user),
        redirect_to=reverse("residents:exit_detail", args=[item.pk]),
        message=_("Your exit application was withdrawn."),
    )


urlpatterns = [
    path("renewal/", renewal, name="renewal"),
    path("renewal/<int:pk>/", renewal_detail, name="renewal_detail"),
    path("renewal/<int:pk>/withdraw/", renewal_withdraw, name="renewal_withdraw"),
    path("exit/", exit_list, name="exit_list"),
    path("exit/<int:pk>/", exit_detail, name="exit_detail"),
    path("exit/<int:pk>/withdraw/", exit_withdraw, name="exit_withdraw"),
]
