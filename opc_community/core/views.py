"""Portal pages meet services: how a page sends a form, or a button asks for an action, and shows the
answer — the portal's twin of the admin's :func:`opc_community.core.admin_base.action_step`.

A view fetches what it may touch (another resident's record: 404), builds its form and hands the
rest to :func:`submit_form`: validate, call the service once, then either the success message and
a redirect (POST/redirect/GET) or the same page again with the refusal next to its field and the
input kept. :func:`submit_action` is the same for a button without a form (withdraw, confirm…).

Also the project's own page: :func:`healthz`.
"""

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from opc_community.core import health
from opc_community.core.errors import DomainError
from opc_community.core.forms import add_domain_error
from opc_community.core.idempotency import submit_once

T = TypeVar("T")


def submit_form(
    request: HttpRequest,
    form: forms.Form,
    call: Callable[[dict[str, Any]], T],
    *,
    success_url: Any,
    message: str | Callable[[T], str] | None = None,
    template: str | None = None,
    context: Mapping[str, Any] | None = None,
    page: Callable[[int], HttpResponse] | None = None,
    failed_status: int | None = 400,
    flash_errors: bool = False,
    once: str | None = None,
) -> HttpResponse:
    """On a POST with a valid ``form``: ``call(form.cleaned_data)`` — the service — then the success
    ``message`` and a redirect to ``success_url`` (anything ``redirect`` takes); either may be a
    function of what ``call`` returned. ``once`` names the scope in which a
    :class:`~opc_community.core.idempotency.SubmitOnceForm` is carried out once per token.

    Otherwise the page again: ``page(status)``, or ``template`` rendered with ``context`` and the
    form as ``form``; its status is 200 for a GET and ``failed_status`` after a POST that failed
    (None: 400 for an invalid form, the refusal's own status — 409 for a conflict — for a refused one).
    A refusal (DomainError) goes next to the field it names: ``form.add_domain_error(error)`` when
    the form places its own, else :func:`~opc_community.core.forms.add_domain_error`; one that names
    no field of the form stands atop the form, or with ``flash_errors`` among the page's messages.
    """
    status = 200
    if request.method == "POST":
        status = 400 if failed_status is None else failed_status
        if form.is_valid():

            def perform() -> HttpResponse:
                result = call(form.cleaned_data)
                if message is not None:
                    messages.success(request, message(result) if callable(message) else message)
                return redirect(success_url(result) if callable(success_url) else success_url)

            try:
                return submit_once(request, form, scope=once, perform=perform) if once else perform()
            except DomainError as error:
                _refuse(request, form, error, flash_errors=flash_errors)
                if failed_status is None:
                    status = error.status_code
    if page is not None:
        return page(status)
    assert template is not None, "submit_form needs a template or a page"
    return render(request, template, {"form": form, **(context or {})}, status=status)


def submit_action(
    request: HttpRequest,
    call: Callable[[], T],
    *,
    redirect_to: Any,
    message: str | Callable[[T], str] | None = None,
    page: Callable[[int], HttpResponse] | None = None,
) -> HttpResponse:
    """A button without a form (withdraw, confirm, check in…): ``call()`` — the service — then the
    success ``message`` and on to ``redirect_to`` (anything ``redirect`` takes). A refusal
    (DomainError) becomes an error message, and the browser goes on all the same — or, with
    ``page``, ``page(status)`` shows the page again with the refusal's status (400, 409)."""
    try:
        result = call()
    except DomainError as error:
        messages.error(request, error.message)
        if page is not None:
            return page(error.status_code)
    else:
        if message is not None:
            messages.success(request, message(result) if callable(message) else message)
    return redirect(redirect_to)


def _refuse(request: HttpRequest, form: forms.Form, error: DomainError, *, flash_errors: bool) -> None:
    placed_by_form = getattr(form, "add_domain_error", None)
    if placed_by_form is not None:
        placed_by_form(error)
    else:
        add_domain_error(form, error, request=request if flash_errors else None)




@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """``/healthz`` — public, no login, no data: the state of the database, Redis, the worker and beat
    (``core.health``); 503 when the database is down, else 200 with "ok" or "degraded"."""
    report = health.report()
    return JsonResponse(report.as_dict(), status=report.http_status)
