"""Portal pages for complaints and requests (我的诉求, 第四章第四条).

Thin views: each says who may use it; a resident's complaint is fetched through
``request.resident`` (another resident's: 404); every change is one service call.
"""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opc_community import rulebook
from opc_community.core.uploads import (
    sniffed_file_response,
)
from opc_community.core.views import submit_form
from opc_community.workdays.rules import local_date
from residents.access import own_or_staff_record, resident_required
from residents.forms.complaints import ComplaintForm, ConfirmForm, MessageForm, ReopenForm
from residents.models import Complaint
from residents.rules import complaints as rules
from residents.selectors import complaints as selectors
from residents.services import complaints as services

PAGE_SIZE = 20


@resident_required
@require_GET
def complaint_list(request: HttpRequest) -> HttpResponse:
    """我的诉求: the resident's own complaints, newest first, each with its next deadline."""
    page = Paginator(selectors.complaints_of(request.resident), PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.attach_countdowns(page.object_list, now=timezone.now())
    return render(
        request, "residents/complaints/list.html", {"page": page, "rule": rules.promise_text(rulebook.in_force().deadlines)}
    )


@resident_required
@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    """File a complaint or request; the page says by when it will be answered (第四章第四条). The form's
    one-time token files it once however often the page is sent (a double click: one complaint)."""
    rules_in_force = rulebook.in_force()
    form = ComplaintForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        max_upload_mb=rules_in_force.intake.max_upload_mb,
    )
    return submit_form(
        request, form, lambda data: services.complaint_file(resident=request.resident, actor=request.user, **data),
        success_url=lambda complaint: reverse("residents:complaint_detail", args=[complaint.pk]),
        message=_("Your complaint was filed. You will find the answers here."),
        template="residents/complaints/new.html", context={"rule": rules.promise_text(rules_in_force.deadlines)},
        failed_status=200, flash_errors=True, once="residents.complaint_file",
    )


@resident_required
@require_GET
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One of the resident's complaints: both deadlines, the rule behind them, the thread (no internal notes)."""
    return _detail(request, _own(request, pk))


@resident_required
@require_POST
def complaint_message(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(
        request, pk, "message_form", MessageForm,
        lambda complaint, data: services.complaint_message(complaint=complaint, text=data["text"], actor=request.user),
        message=_("Your message was sent to the daily management team."),
    )


@resident_required
@require_POST
def complaint_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(
        request, pk, "confirm_form", ConfirmForm,
        lambda complaint, data: services.complaint_confirm(complaint=complaint, comment=data["comment"],
                                                           actor=request.user),
        message=_("Thank you. The complaint is closed."),
    )


@resident_required
@require_POST
def complaint_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(
        request, pk, "reopen_form", ReopenForm,
        lambda complaint, data: services.complaint_reopen(complaint=complaint, reason=data["reason"],
                                                          actor=request.user),
        message=_("The complaint is reopened; a new solution deadline applies."),
    )


@login_required
@require_GET
def complaint_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    """The attachment, privately: to the resident who filed it and to staff who may read complaints.

    Anyone else — another resident included — gets 404.
    """
    complaint = own_or_staff_record(request, pk, model=Complaint, permission="residents.view_complaint",
                                    own=selectors.complaints_of)
    return sniffed_file_response(complaint.attachment, stem=f"complaint-{complaint.pk}")


# --- Helpers -------------------------------------------------------------------------------------


def _own(request: HttpRequest, pk: int) -> Complaint:
    """The caller's own complaint with its thread (internal notes left out), or 404."""
    queryset = selectors.complaint_with_thread(selectors.complaints_of(request.resident), internal=False)
    return get_object_or_404(queryset, pk=pk)


def _answer(request: HttpRequest, pk: int, name: str, form_class: type[Form],
            call: Callable[[Complaint, dict[str, Any]], Any], *, message: str) -> HttpResponse:
    """One of the forms on the resident's complaint page (``name``: message, confirmation, reopening):
    back to the page with the message, or the page again with the form and its refusal (400)."""
    complaint = _own(request, pk)
    form = form_class(request.POST)
    return submit_form(
        request, form, lambda data: call(complaint, data),
        success_url=reverse("residents:complaint_detail", args=[complaint.pk]), message=message,
        page=lambda status: _detail(request, complaint, status=status, **{name: form}), flash_errors=True,
    )


def _detail(request: HttpRequest, complaint: Complaint, *, status: int = 200, **forms: Any) -> HttpResponse:
    now = timezone.now()
    deadlines = selectors.complaint_deadlines(complaint, now=now)
    context = {
        "complaint": complaint,
        "thread": complaint.thread,
        "deadlines": deadlines,
        "overdue_now": rules.SlaState.OVERDUE in (deadlines["response"]["state"], deadlines["solution"]["state"]),
        "rule": rules.promise_text(rulebook.in_force(on=local_date(complaint.filed_at)).deadlines),
        "can_answer": rules.may_answer_solution(complaint.status),
        "can_write": rules.thread_open(complaint.status),
        "message_form": forms.get("message_form") or MessageForm(),
        "confirm_form": forms.get("confirm_form") or ConfirmForm(),
        "reopen_form": forms.get("reopen_form") or ReopenForm(),
        "open_reopen": "reopen_form" in forms,
    }
    return render(request, "residents/complaints/detail.html", context, status=status)


urlpatterns = [
    path("complaints/", complaint_list, name="complaint_list"),
    path("complaints/new/", complaint_new, name="complaint_new"),
    path("complaints/<int:pk>/", complaint_detail, name="complaint_detail"),
    path("complaints/<int:pk>/message/", complaint_message, name="complaint_message"),
    path("complaints/<int:pk>/confirm/", complaint_confirm, name="complaint_confirm"),
    path("complaints/<int:pk>/reopen/", complaint_reopen, name="complaint_reopen"),
    path("complaints/<int:pk>/attachment/", complaint_attachment, name="complaint_attachment"),
]
