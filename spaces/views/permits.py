"""Portal pages "my permits" (宣传与活动申请, 第四章第三条): apply, follow the decision, reserve a room for an
approved event, open the material privately.

A resident's permit is fetched through ``request.resident`` (another resident's: 404);
the material is served only to that resident and to staff who may read permits.
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opc_community import rulebook
from opc_community.core.uploads import private_file_response
from opc_community.core.views import submit_action, submit_form
from residents.access import own_or_staff_record, resident_required
from spaces.forms.permits import PermitForm, ReserveRoomForm
from spaces.models import ACTIVE_BOOKING_STATUSES, Permit
from spaces.rules import permits as rules
from spaces.selectors import permits as selectors
from spaces.services import permits as services

PAGE_SIZE = 20


@resident_required
@require_GET
def permit_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.permits_of(request.resident), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "spaces/permits/list.html", {"page": page})


@resident_required
@require_http_methods(["GET", "POST"])
def permit_new(request: HttpRequest) -> HttpResponse:
    """Apply for a promotion or event permit; the daily management team decides (第四章第三条)."""
    intake = rulebook.in_force().intake
    posted = request.method == "POST"
    form = PermitForm(request.POST if posted else None, request.FILES if posted else None,
                      max_upload_mb=intake.max_upload_mb)
    return submit_form(
        request, form, lambda data: services.permit_apply(resident=request.resident, actor=request.user, **data),
        success_url=lambda permit: reverse("spaces:permit_detail", args=[permit.pk]),
        message=_("Your application was sent to the daily management team."),
        template="spaces/permits/new.html", flash_errors=True,
    )


@resident_required
@require_GET
def permit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _own(request, pk))


@resident_required
@require_POST
def permit_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    permit = _own(request, pk)
    return submit_action(
        request, lambda: services.permit_withdraw(permit=permit, actor=request.user),
        redirect_to=reverse("spaces:permit_detail", args=[permit.pk]), message=_("The permit was withdrawn."),
    )


@resident_required
@require_POST
def permit_reserve(request: HttpRequest, pk: int) -> HttpResponse:
    """Reserve a room for an approved event, within the permit's time, through the booking rules."""
    permit = _own(request, pk)
    form = ReserveRoomForm(request.POST)
    return submit_form(
        request, form, lambda data: services.permit_reserve_room(permit=permit, actor=request.user, **data),
        success_url=reverse("spaces:permit_detail", args=[permit.pk]),
        message=_("The room is reserved for your event."),
        page=lambda status: _detail(request, permit, reserve_form=form, status=status), flash_errors=True,
    )


@login_required
@require_GET
def permit_material(request: HttpRequest, pk: int) -> HttpResponse:
    """The material, privately: to the resident who applied and to staff who may read permits; else 404."""
    permit = own_or_staff_record(request, pk, model=Permit, permission="spaces.view_permit",
                                 own=selectors.permits_of)
    if not permit.material or permit.material_type not in services.MATERIAL_EXTENSIONS:
        raise Http404
    extension = services.MATERIAL_EXTENSIONS[permit.material_type]
    return private_file_response(
        permit.material, download_name=f"permit-{permit.pk}.{extension}", content_type=permit.material_type
    )


# --- Helpers -------------------------------------------------------------------------------------


def _own(request: HttpRequest, pk: int) -> Permit:
    return get_object_or_404(selectors.with_bookings(selectors.permits_of(request.resident)), pk=pk)


def _detail(request: HttpRequest, permit: Permit, *, status: int = 200, **forms: Any) -> HttpResponse:
    can_reserve = rules.can_reserve_room(kind=permit.kind, status=permit.status)
    bookings = getattr(permit, "room_bookings", [])
    # The service's own predicate: no button it would refuse (an event still holding bookings says why).
    withdraw_refusal = rules.withdraw_refusal(
        status=permit.status, holds_bookings=any(b.status in ACTIVE_BOOKING_STATUSES for b in bookings)
    )
    context = {
        "permit": permit,
        "bookings": bookings,
        "can_reserve": can_reserve,
        "can_withdraw": withdraw_refusal is None,
        "withdraw_needs_cancelling": withdraw_refusal == "has_bookings",
        "reserve_form": (forms.get("reserve_form") or ReserveRoomForm(
            initial={"starts_at": permit.starts_at, "ends_at": permit.ends_at})) if can_reserve else None,
    }
    return render(request, "spaces/permits/detail.html", context, status=status)


urlpatterns = [
    path("permits/", permit_list, name="permit_list"),
    path("permits/new/", permit_new, name="permit_new"),
    path("permits/<int:pk>/", permit_detail, name="permit_detail"),
    path("permits/<int:pk>/withdraw/", permit_withdraw, name="permit_withdraw"),
    path("permits/<int:pk>/reserve/", permit_reserve, name="permit_reserve"),
    path("permits/<int:pk>/material/", permit_material, name="permit_material"),
]
