"""Portal page "my desk" (我的工位, 第四章第一条): the current desk, a change request, the history of requests.

Thin views: each says who may use it; a resident's request is fetched through
``request.resident`` (another resident's: 404); every change is one service call.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from opc_community.core.views import submit_action, submit_form
from residents.access import resident_required
from spaces.forms.desks import DeskRequestForm
from spaces.models import RequestStatus
from spaces.selectors import desks as selectors
from spaces.services import desks as services

#: Requests shown on the page (newest first; the open one, if any, is always the newest).
HISTORY_SIZE = 20


@resident_required
@require_GET
def desk(request: HttpRequest) -> HttpResponse:
    """我的工位: where the resident sits, its open request (if any), its past requests."""
    return _page(request)


@resident_required
@require_POST
def desk_request_new(request: HttpRequest) -> HttpResponse:
    """Ask to move desks (reason, optional free desk); the daily management team decides."""
    form = DeskRequestForm(request.POST)
    return submit_form(
        request, form,
        lambda data: services.desk_request_create(resident=request.resident, reason=data["reason"],
                                                  preferred_desk=data["preferred_desk"], actor=request.user),
        success_url="spaces:desk", message=_("Your request was sent to the daily management team."),
        page=lambda status: _page(request, form=form, status=status), flash_errors=True,
    )


@resident_required
@require_POST
def desk_request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_object_or_404(selectors.desk_requests_of(request.resident), pk=pk)
    return submit_action(
        request, lambda: services.desk_request_withdraw(request=change, actor=request.user),
        redirect_to="spaces:desk", message=_("Your request was withdrawn."),
    )


def _page(request: HttpRequest, *, form: DeskRequestForm | None = None, status: int = 200) -> HttpResponse:
    resident = request.resident
    history = list(selectors.desk_requests_of(resident)[:HISTORY_SIZE])
    open_request = next((item for item in history if item.status == RequestStatus.REQUESTED), None)
    context: dict[str, Any] = {
        "assignment": selectors.current_desk_assignment(resident),
        "open_request": open_request,
        "history": history,
        "form": None if open_request else (form or DeskRequestForm()),
    }
    return render(request, "spaces/desks/desk.html", context, status=status)


urlpatterns = [
    path("desk/", desk, name="desk"),
    path("desk/requests/new/", desk_request_new, name="desk_request_new"),
    path("desk/requests/<int:pk>/withdraw/", desk_request_withdraw, name="desk_request_withdraw"),
]
