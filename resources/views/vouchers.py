"""Portal pages of compute and model vouchers (算力券、模型券, RULEBOOK §6), under /portal/resources/vouchers/.

Residents (``resident_required``): 我的算力券 — the usable balance per unit, warnings for balances that
expire soon, each grant with its state and last day, their applications with the decision, the ledger
history; the open programmes and the apply page (purpose, amount, materials). A resident only ever
reads its own: everything is fetched through ``request.resident`` (another's → 404).
"""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opc_community import rulebook
from opc_community.core.moments import format_day
from opc_community.core.views import submit_action, submit_form
from residents.access import resident_required
from residents.guards import Action, refusal
from resources.forms.vouchers import ApplicationForm
from resources.models import ApplicationStatus
from resources.rules import vouchers as rules
from resources.selectors import vouchers as selectors
from resources.services import vouchers as services

PAGE_SIZE = 20


@resident_required(checked_in=False)
@require_GET
def my_vouchers(request: HttpRequest) -> HttpResponse:
    """我的算力券: balance, warnings, grants, applications, open programmes."""
    now = timezone.now()
    lines = selectors.grant_lines(request.resident, now=now)
    book = rulebook.in_force(on=timezone.localdate(now))
    return render(request, "resources/vouchers/mine.html", {
        "lines": lines,
        "balances": selectors.balances(lines),
        "expiring": [line for line in lines if line.expiring],
        "applications": list(selectors.applications_of(request.resident)[:PAGE_SIZE]),
        "programmes": list(selectors.open_programmes(today=timezone.localdate(now))),
        "warning_days": book.vouchers.expiry_warning_days,
        "refusal": refusal(request.resident, Action.APPLY_VOUCHER),
        "state_labels": selectors.STATE_LABELS,
    })


@resident_required(checked_in=False)
@require_GET
def voucher_history(request: HttpRequest) -> HttpResponse:
    """The resident's ledger: every issue, use, expiry, freeze and end, newest first."""
    page = Paginator(selectors.entries_of(request.resident), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "resources/vouchers/history.html", {"page": page})


@resident_required
@require_http_methods(["GET", "POST"])
def voucher_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """申请: a published programme taking applications today; the materials it asks for are listed."""
    programme = get_object_or_404(selectors.published_programmes(), pk=pk)
    form = ApplicationForm(request.POST or None, request.FILES or None,
                           initial={"amount": programme.face_value})
    today = timezone.localdate()
    closed = rules.application_refusal(published=True, opens_on=programme.opens_on, closes_on=programme.closes_on,
                                       today=today)
    return submit_form(
        request, form,
        lambda data: services.application_submit(
            programme=programme, resident=request.resident, purpose=data["purpose"], amount=data.get("amount"),
            files=data.get("files") or [], actor=request.user),
        success_url=reverse("resources:my_vouchers"),
        message=lambda application: _("Your application was submitted; the resources team decides by %(due)s.")
        % {"due": format_day(application.review_due_at)},
        template="resources/vouchers/apply.html",
        context={"programme": programme, "closed": closed and services.refusal_message(
            closed, opens=format_day(programme.opens_on), closes=format_day(programme.closes_on)),
            "refusal": refusal(request.resident, Action.APPLY_VOUCHER)},
    )


@resident_required(checked_in=False)
@require_POST
def voucher_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(selectors.applications_of(request.resident), pk=pk)
    if application.status != ApplicationStatus.SUBMITTED:
        raise Http404
    return submit_action(
        request, lambda: services.application_withdraw(application=application, actor=request.user),
        redirect_to=reverse("resources:my_vouchers"), message=_("Your application was withdrawn."),
    )


urlpatterns = [
    path("vouchers/", my_vouchers, name="my_vouchers"),
    path("vouchers/history/", voucher_history, name="voucher_history"),
    path("vouchers/programmes/<int:pk>/apply/", voucher_apply, name="voucher_apply"),
    path("vouchers/applications/<int:pk>/withdraw/", voucher_withdraw, name="voucher_withdraw"),
]
