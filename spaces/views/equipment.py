"""Portal pages "borrow equipment" and "my loans" (公共资源借用, 第四章第二条): the inventory with what is free
now, a reservation with a due time, the resident's loans with due times and overdue flags.

Thin views: a resident's loan is fetched through ``request.resident`` (another resident's: 404); every
change is one service call. A suspension covering lending is explained on the page instead of a form the
service would refuse (``residents.guards.refusal``).
"""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opc_community import rulebook
from opc_community.core.moments import format_moment
from opc_community.core.views import submit_action, submit_form
from residents.access import resident_required
from residents.guards import Action, refusal
from spaces.forms.equipment import BorrowForm
from spaces.models import EquipmentLoan
from spaces.rules import equipment as rules
from spaces.selectors import equipment as selectors
from spaces.services import equipment as services

PAGE_SIZE = 20


@resident_required
@require_GET
def equipment_list(request: HttpRequest) -> HttpResponse:
    """The items in service, free or on loan, with each category's loan limit."""
    book = rulebook.in_force().equipment
    items = list(selectors.lendable())
    for item in items:
        item.max_days = rules.max_loan_days(book, item.category)
    context = {
        "items": items,
        "max_concurrent": book.max_concurrent_loans,
        "open_count": selectors.open_loans_of(request.resident).count(),
        "refusal": refusal(request.resident, Action.BORROW_EQUIPMENT),
    }
    return render(request, "spaces/equipment/list.html", context)


@resident_required
@require_http_methods(["GET", "POST"])
def equipment_borrow(request: HttpRequest, pk: int) -> HttpResponse:
    """Reserve one item until a due time; collect it at the front desk."""
    item = get_object_or_404(selectors.lendable(), pk=pk)
    book = rulebook.in_force().equipment
    max_days = rules.max_loan_days(book, item.category)
    latest = rules.latest_due(requested_at=timezone.now(), max_days=max_days)
    form = BorrowForm(request.POST if request.method == "POST" else None)
    return submit_form(
        request, form,
        lambda data: services.loan_reserve(resident=request.resident, equipment=item, actor=request.user, **data),
        success_url=reverse("spaces:loan_list"),
        message=lambda loan: _("%(item)s is reserved for you until %(due)s: collect it at the front desk.")
        % {"item": loan.equipment, "due": format_moment(loan.due_at)},
        template="spaces/equipment/borrow.html",
        context={"item": item, "max_days": max_days, "latest": latest,
                 "refusal": refusal(request.resident, Action.BORROW_EQUIPMENT)},
    )


@resident_required
@require_GET
def loan_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.loans_of(request.resident), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for loan in page.object_list:
        loan.is_overdue = rules.is_overdue(status=loan.status, due_at=loan.due_at, now=now)
        loan.days_late = rules.overdue_days(due_at=loan.due_at, at=now) if loan.is_overdue else 0
        loan.can_cancel = rules.can_cancel(status=loan.status)
    return render(request, "spaces/equipment/loans.html", {"page": page})


@resident_required
@require_POST
def loan_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    loan = _own(request, pk)
    return submit_action(
        request, lambda: services.loan_cancel(loan=loan, actor=request.user),
        redirect_to=reverse("spaces:loan_list"), message=_("The reservation was cancelled."),
    )


def _own(request: HttpRequest, pk: int) -> EquipmentLoan:
    return get_object_or_404(selectors.loans_of(request.resident), pk=pk)


urlpatterns = [
    path("equipment/", equipment_list, name="equipment_list"),
    path("equipment/<int:pk>/borrow/", equipment_borrow, name="equipment_borrow"),
    path("loans/", loan_list, name="loan_list"),
    path("loans/<int:pk>/cancel/", loan_cancel, name="loan_cancel"),
]
