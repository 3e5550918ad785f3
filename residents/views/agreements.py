"""Portal pages of the agreement, fees and deposit, and orientation (第三章第二条、第三条).

Who may use them:
- agreement, fees and deposit pages: the resident itself, from approval on (before
  check-in it must read and accept the agreement and see what to pay), and once
  checked in only after acknowledging the rules (岗前告知);
- the orientation page: a checked-in resident (``residents.access`` sends every other
  page there until the rules in force are acknowledged).
Every record is fetched through ``request.resident``: another resident's id is a 404.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opc_community import rulebook
from opc_community.core.transitions import can_move
from opc_community.core.uploads import private_file_response
from opc_community.core.views import submit_form
from residents.access import has_acknowledged_rules, resident_required
from residents.extensions import check_in_summary
from residents.forms.agreements import AgreementAcceptForm, OrientationForm
from residents.models import AGREEMENT_TRANSITIONS, AgreementStatus, ResidentStatus
from residents.selectors import agreements as selectors
from residents.selectors import ledger as ledger_selectors
from residents.services import agreements as services


def resident_from_approval(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A resident from approval on (ONBOARDING included); once checked in, only after orientation."""

    @resident_required(checked_in=False)
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        resident = request.resident
        if resident.status in (ResidentStatus.ACTIVE, ResidentStatus.EXITING) and not has_acknowledged_rules(resident):
            return redirect("residents:orientation")
        return view(request, *args, **kwargs)

    return wrapped


def _own_agreement(request: HttpRequest, pk: int) -> Any:
    agreement = selectors.agreement_for_resident(request.resident, pk)
    if agreement is None:
        raise Http404
    return agreement


@require_GET
@resident_from_approval
def agreement_list(request: HttpRequest) -> HttpResponse:
    """The resident's agreements, newest first."""
    return render(
        request,
        "residents/agreements/agreement_list.html",
        {"agreements": list(selectors.resident_agreements(request.resident)), "term": rulebook.in_force().term},
    )


@require_GET
@resident_from_approval
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One agreement: terms, invoices of its term, the PDF, and the acceptance form while issued."""
    agreement = _own_agreement(request, pk)
    return _detail(request, agreement, AgreementAcceptForm())


def _detail(request: HttpRequest, agreement: Any, form: AgreementAcceptForm, status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    invoices = list(ledger_selectors.resident_invoices(request.resident).filter(agreement=agreement))
    ledger_selectors.annotate_due_state(invoices, today=today)
    return render(
        request,
        "residents/agreements/agreement_detail.html",
        {
            "agreement": agreement,
            "form": form,
            "can_accept": can_move(agreement, AgreementStatus.ACCEPTED, transitions=AGREEMENT_TRANSITIONS),
            "invoices": invoices,
            "deposit_held": ledger_selectors.deposit_held(request.resident),
            "days_left": (agreement.ends_on - today).days,
            "today": today,
            "term": rulebook.in_force().term,
        },
        status=status,
    )


@require_POST
@resident_from_approval
def agreement_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept an issued agreement (checkbox + button); the acceptance time is recorded."""
    agreement = _own_agreement(request, pk)
    form = AgreementAcceptForm(request.POST)
    return submit_form(
        request, form, lambda data: services.agreement_accept(agreement=agreement, actor=request.user),
        success_url=reverse("residents:agreement_detail", args=[agreement.pk]),
        message=_("You accepted agreement %(number)s. Check-in follows once the first fee and the deposit are paid.")
        % {"number": agreement.number},
        page=lambda status: _detail(request, agreement, form, status=status),
    )


@require_GET
@resident_from_approval
def agreement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The agreement's PDF from the archive (rendered now if the after-commit rendering is missing)."""
    agreement = _own_agreement(request, pk)
    if not agreement.document:
        agreement = services.agreement_document_store(agreement=agreement)
    return private_file_response(
        agreement.document, download_name=f"{agreement.number}.pdf", content_type="application/pdf"
    )


@require_GET
@resident_from_approval
def ledger(request: HttpRequest) -> HttpResponse:
    """我的费用: invoices with balances and due dates, payments, the deposit held and expected."""
    resident = request.resident
    today = timezone.localdate()
    agreement = selectors.live_agreement(resident, today=today)
    summary = ledger_selectors.ledger_summary(
        resident, today=today, deposit_expected=agreement.deposit_amount if agreement else None
    )
    rules = rulebook.in_force(on=today)
    overdue_fees = rules.violations.kinds.get("7")  # 第八章第二条 7 逾期缴费
    return render(
        request,
        "residents/agreements/ledger.html",
        {
            "summary": summary,
            "agreement": agreement,
            "today": today,
            "overdue_rule": selectors.penalty_ladder(overdue_fees, rules) if overdue_fees else [],
        },
    )


@require_GET
@resident_from_approval
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One of the resident's invoices with its payments."""
    invoice = ledger_selectors.invoice_for_resident(request.resident, pk)
    if invoice is None:
        raise Http404
    today = timezone.localdate()
    ledger_selectors.annotate_due_state([invoice], today=today)
    return render(
        request,
        "residents/agreements/invoice_detail.html",
        {
            "invoice": invoice,
            "payments": list(invoice.payments.select_related("reverses").order_by("paid_on", "id")),
            "days_overdue": invoice.days_overdue,
            "working_days_left": invoice.working_days_left,
            "today": today,
        },
    )


@require_http_methods(["GET", "POST"])
@resident_required(oriented=False)
def orientation(request: HttpRequest) -> HttpResponse:
    """岗前告知 (第三章第二条): the rules in force in plain words; a required checkbox acknowledges them."""
    resident = request.resident
    rules = rulebook.in_force()
    acknowledgement = selectors.acknowledgement_of(resident, version=rules.version)
    form = OrientationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and acknowledgement is not None:
        return redirect("portal:dashboard")

    def page(status: int) -> HttpResponse:
        return render(
            request,
            "residents/agreements/orientation.html",
            {
                "summary": selectors.orientation_summary(rules),
                "acknowledgement": acknowledgement,
                "form": form,
                "check_in_lines": check_in_summary(resident),
                # 第九章第二条: the disclaimers as the version in force words them, acknowledged with the rest.
                "disclaimers": rules.disclaimers,
            },
            status=status,
        )

    return submit_form(
        request, form, lambda data: services.orientation_acknowledge(resident=resident, actor=request.user),
        success_url="portal:dashboard", message=_("Thank you. The portal is open to you now."), page=page,
    )


urlpatterns = [
    path("agreements/", agreement_list, name="agreement_list"),
    path("agreements/<int:pk>/", agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/accept/", agreement_accept, name="agreement_accept"),
    path("agreements/<int:pk>/pdf/", agreement_pdf, name="agreement_pdf"),
    path("fees/", ledger, name="ledger"),
    path("fees/invoices/<int:pk>/", invoice_detail, name="invoice_detail"),
    path("orientation/", orientation, name="orientation"),
]
