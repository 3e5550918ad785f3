"""Portal pages for mediation (调解, 第四章第三条 2): ask, follow, add one's side, withdraw.

Thin views: a mediation is fetched through ``mediations_of(request.resident)`` — the caller is one of
its two parties, anyone else gets 404 — and every change is one service call.
"""

from collections.abc import Callable
from typing import Any

from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opc_community import rulebook
from opc_community.core.views import submit_form
from opc_community.workdays.rules import local_date
from residents.access import resident_required
from residents.forms.mediation import MediationRequestForm, StatementForm, WithdrawForm
from residents.models import Mediation, MediationStatus
from residents.rules import mediation as rules
from residents.selectors import mediation as selectors
from residents.services import mediation as services

PAGE_SIZE = 20


@resident_required
@require_GET
def mediation_list(request: HttpRequest) -> HttpResponse:
    """我的调解: the mediations the resident asked for or is the other party of."""
    page = Paginator(selectors.mediations_of(request.resident), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "residents/mediation/list.html", {
        "page": page, "rule": rules.promise_text(rulebook.in_force().deadlines), "me": request.resident,
    })


@resident_required
@require_http_methods(["GET", "POST"])
def mediation_new(request: HttpRequest) -> HttpResponse:
    """Ask for mediation: the other party (a resident), what happened, what the requester wants."""
    form = MediationRequestForm(request.POST if request.method == "POST" else None, requester=request.resident)
    return submit_form(
        request, form,
        lambda data: services.mediation_request(requester=request.resident, actor=request.user, **data),
        success_url=lambda mediation: reverse("residents:mediation_detail", args=[mediation.pk]),
        message=_("Your request was sent to the daily management team; the other party was told."),
        template="residents/mediation/new.html", context={"rule": rules.promise_text(rulebook.in_force().deadlines)},
        failed_status=200, flash_errors=True, once="residents.mediation_request",
    )


@resident_required
@require_GET
def mediation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _own(request, pk))


@resident_required
@require_POST
def mediation_statement(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(
        request, pk, "statement_form", StatementForm,
        lambda mediation, data: services.mediation_statement(mediation=mediation, text=data["text"], actor=request.user),
        message=_("Your statement was added; the other party and the daily management team were told."),
    )


@resident_required
@require_POST
def mediation_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(
        request, pk, "withdraw_form", WithdrawForm,
        lambda mediation, data: services.mediation_withdraw(mediation=mediation, reason=data["reason"], actor=request.user),
        message=_("The request for mediation was withdrawn."),
    )


def _own(request: HttpRequest, pk: int) -> Mediation:
    """A mediation the caller is a party of, with its statements, or 404."""
    return get_object_or_404(selectors.with_statements(selectors.mediations_of(request.resident)), pk=pk)


def _answer(request: HttpRequest, pk: int, name: str, form_class: type[Form],
            call: Callable[[Mediation, dict[str, Any]], Any], *, message: str) -> HttpResponse:
    mediation = _own(request, pk)
    form = form_class(request.POST)
    return submit_form(
        request, form, lambda data: call(mediation, data),
        success_url=reverse("residents:mediation_detail", args=[mediation.pk]), message=message,
        page=lambda status: _detail(request, mediation, status=status, **{name: form}), flash_errors=True,
    )


def _detail(request: HttpRequest, mediation: Mediation, *, status: int = 200, **forms: Any) -> HttpResponse:
    now = timezone.now()
    is_requester = mediation.requester.user_id == request.user.pk
    context = {
        "mediation": mediation,
        "thread": mediation.thread,
        "is_requester": is_requester,
        "other": mediation.respondent if is_requester else mediation.requester,
        "states": selectors.deadline_states(mediation, now=now),
        "rule": rules.promise_text(rulebook.in_force(on=local_date(mediation.filed_at)).deadlines),
        "can_write": rules.is_open(mediation.status),
        "failed": mediation.status == MediationStatus.FAILED,
        "next_steps": rules.next_steps_text(),
        "statement_form": forms.get("statement_form") or StatementForm(),
        "withdraw_form": forms.get("withdraw_form") or WithdrawForm(),
        "open_withdraw": "withdraw_form" in forms,
    }
    return render(request, "residents/mediation/detail.html", context, status=status)


urlpatterns = [
    path("mediation/", mediation_list, name="mediation_list"),
    path("mediation/new/", mediation_new, name="mediation_new"),
    path("mediation/<int:pk>/", mediation_detail, name="mediation_detail"),
    path("mediation/<int:pk>/statement/", mediation_statement, name="mediation_statement"),
    path("mediation/<int:pk>/withdraw/", mediation_withdraw, name="mediation_withdraw"),
]
