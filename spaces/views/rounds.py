"""Portal pages of the cleaning and closing rounds (第四章第一条 3、4), for the daily management team on a
phone: today's schedule against the log (each area's cleanings and disinfection, the closing round),
one tap to log a cleaning or disinfection, and the evening closing checklist with its exceptions."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from opc_community.core.views import submit_form
from spaces.forms.rounds import CleaningForm, ClosingRoundForm
from spaces.selectors import rounds as selectors
from spaces.services import rounds as services


def _staff_only(request: HttpRequest) -> None:
    if not services.is_rounds_staff(request.user):
        raise PermissionDenied


def _today_page(request: HttpRequest, form: CleaningForm | None = None, status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    names = selectors.area_names(today)
    lines = [{"due": due, "name": names.get(due.area, due.area)} for due in selectors.schedule(today)]
    return render(request, "spaces/rounds/today.html", {
        "today": today, "lines": lines, "log": [{"row": row, "name": names.get(row.area, row.area)} for row in selectors.cleaning_log(today)],
        "closing": selectors.closing_round_of(today), "form": form or CleaningForm(areas=names),
    }, status=status)


@login_required
@require_http_methods(["GET"])
def rounds_today(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    return _today_page(request)


@login_required
@require_POST
def cleaning_new(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    form = CleaningForm(request.POST, areas=selectors.area_names(timezone.localdate()))
    return submit_form(
        request, form, lambda data: services.cleaning_round_record(actor=request.user, **data),
        success_url=reverse("spaces:rounds_today"),
        message=lambda row: _("%(kind)s recorded.") % {"kind": row.get_kind_display()},
        page=lambda status: _today_page(request, form, status), flash_errors=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
def closing_new(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    form = ClosingRoundForm(request.POST if request.method == "POST" else None)
    return submit_form(
        request, form, lambda data: services.closing_round_record(actor=request.user, **data),
        success_url=reverse("spaces:rounds_today"),
        message=lambda closing: (_("The closing round is recorded: all in order.") if closing.all_clear
                                 else _("The closing round is recorded with its exceptions.")),
        template="spaces/rounds/closing.html", flash_errors=True,
    )


urlpatterns = [
    path("rounds/", rounds_today, name="rounds_today"),
    path("rounds/cleaning/", cleaning_new, name="cleaning_new"),
    path("rounds/closing/", closing_new, name="closing_new"),
]
