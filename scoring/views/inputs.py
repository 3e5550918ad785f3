"""Residents submit their quarterly inputs (第六章第一条、第三条), under /portal/scores/inputs/.

Who: a checked-in resident who acknowledged the rules (``resident_required``), for the quarters it
was checked in during. Everything is fetched through ``request.resident``: another resident's input
or file is simply not found (404). The page of a quarter shows the numbers form, the awards,
contributions and evidence with their add forms, and the submit button while the quarter is open
and its deadline not passed, next to the plan the results are measured against; afterwards it is
read-only, with the staff's verification or correction (the claims rejected).
"""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opc_community import workdays
from opc_community.core.errors import DomainError
from opc_community.core.uploads import SIGNATURES, private_file_response, sniff
from opc_community.core.views import submit_action, submit_form
from residents.access import resident_required
from scoring.forms.inputs import AwardForm, ContributionForm, EvidenceForm, NumbersForm
from scoring.models import Quarter
from scoring.selectors import inputs as selectors
from scoring.selectors import plans as plan_selectors
from scoring.services import inputs as services


def _quarter(request: HttpRequest, pk: int) -> Quarter:
    quarter = get_object_or_404(Quarter, pk=pk)
    if not selectors.in_cohort(quarter, request.resident):
        raise Http404
    return quarter


@resident_required
@require_GET
def input_list(request: HttpRequest) -> HttpResponse:
    """我的季度考核数据: each quarter of the residency, its deadline and the state of the inputs."""
    lines = selectors.quarters_of(request.resident)
    rows = []
    for line in lines:
        is_open = services.open_for_residents(line.quarter)
        # Only the quarters still collecting inputs show a countdown (one calendar read each; normally one).
        days_left = workdays.working_days_left(line.quarter.inputs_due_on) if is_open else None
        rows.append({"line": line, "open": is_open, "days_left": days_left})
    return render(request, "scoring/inputs/list.html", {"rows": rows, "rule": _rule()})


def _rule() -> str:
    return _(
        "At quarter end you report your results against your accepted plan: milestones completed (from your "
        "progress report) and revenue (from your financial statement), your awards with their certificate and "
        "your contributions with proof, before the deadline. Staff verify every claim; only verified claims "
        "count, and a rejected claim scores as absent (Chapter 6, Articles 1 and 3)."
    )


def _page(request: HttpRequest, quarter: Quarter, *, forms: dict[str, Any] | None = None,
          status: int = 200) -> HttpResponse:
    data = selectors.input_of(request.resident, quarter)
    editable = services.resident_may_edit(quarter, data)
    initial = {name: getattr(data, name) for name in services.NUMBER_FIELDS} if data else {}
    context = {
        "quarter": quarter,
        "input": data,
        "editable": editable,
        "days_left": workdays.working_days_left(quarter.inputs_due_on),
        "plan": plan_selectors.plan_of(request.resident, quarter),
        "numbers_form": NumbersForm(initial=initial),
        "award_form": AwardForm(),
        "contribution_form": ContributionForm(),
        "evidence_form": EvidenceForm(),
        "rule": _rule(),
        **(forms or {}),
    }
    return render(request, "scoring/inputs/detail.html", context, status=status)


@resident_required
@require_http_methods(["GET", "POST"])
def input_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the quarter's inputs; POST: save the numbers."""
    quarter = _quarter(request, pk)
    if request.method == "GET":
        return _page(request, quarter)
    return _submit(
        request, quarter, "numbers_form", NumbersForm(request.POST),
        lambda data: services.input_save(quarter=quarter, resident=request.resident, values=data, actor=request.user),
        message=_("Your numbers are saved. Submit them before the deadline."),
    )


def _own_input(request: HttpRequest, quarter: Quarter) -> Any:
    data = selectors.input_of(request.resident, quarter)
    if data is None:
        raise DomainError(_("Save your numbers first."))
    return data


@resident_required
@require_POST
def input_submit(request: HttpRequest, pk: int) -> HttpResponse:
    quarter = _quarter(request, pk)
    return submit_action(
        request, lambda: services.input_submit(input=_own_input(request, quarter), actor=request.user),
        redirect_to=reverse("scoring:input_detail", args=[quarter.pk]),
        message=_("Your inputs for %(quarter)s are submitted to staff.") % {"quarter": quarter},
        page=lambda status: _page(request, quarter, status=status),
    )


def _submit(request: HttpRequest, quarter: Quarter, name: str, form: Any, call: Any, *, message: str) -> HttpResponse:
    """Send one of the page's forms; a refusal comes back next to its field (or on top), nothing lost,
    with its own status (400; 409 for a conflict)."""
    return submit_form(
        request, form, call, success_url=reverse("scoring:input_detail", args=[quarter.pk]), message=message,
        page=lambda status: _page(request, quarter, forms={name: form}, status=status), failed_status=None,
    )


def _add(request: HttpRequest, pk: int, name: str, form_class: type, add: Any) -> HttpResponse:
    quarter = _quarter(request, pk)
    return _submit(request, quarter, name, form_class(request.POST, request.FILES),
                   lambda data: add(_own_input(request, quarter), data), message=_("Added."))


@resident_required
@require_POST
def award_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _add(request, pk, "award_form", AwardForm, lambda data, values: services.award_add(
        input=data, level=values["level"], title=values["title"], certificate=values["certificate"],
        actor=request.user))


@resident_required
@require_POST
def contribution_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _add(request, pk, "contribution_form", ContributionForm, lambda data, values: services.contribution_add(
        input=data, kind=values["kind"], description=values["description"], proof=values["proof"],
        proof_link=values["proof_link"], actor=request.user))


@resident_required
@require_POST
def evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _add(request, pk, "evidence_form", EvidenceForm, lambda data, values: services.evidence_add(
        input=data, kind=values["kind"], upload=values["file"], actor=request.user))


def _own_file(request: HttpRequest, kind: str, pk: int) -> tuple[Any, str]:
    found = selectors.own_file(request.resident, kind, pk)
    if found is None:
        raise Http404
    return found


@resident_required
@require_GET
def file_download(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """One of the resident's own files, streamed privately (another's: 404)."""
    item, field = _own_file(request, kind, pk)
    return file_response(item, field)


def file_response(item: Any, field: str) -> HttpResponse:
    """Stream an input's file with the content type found from its content (shared with the admin)."""
    file = getattr(item, field)
    if not file:
        raise Http404
    with file.open("rb") as stream:
        kind = sniff(stream.read(16))
    content_type = SIGNATURES[kind][0] if kind else "application/octet-stream"
    name = getattr(item, "original_name", "") or file.name.rsplit("/", 1)[-1]
    return private_file_response(file, download_name=name, content_type=content_type)


@resident_required
@require_POST
def file_remove(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    item, _field = _own_file(request, kind, pk)
    return submit_action(
        request, lambda: services.attachment_remove(item=item, actor=request.user),
        redirect_to=reverse("scoring:input_detail", args=[item.input.quarter_id]), message=_("Removed."),
    )


urlpatterns = [
    path("inputs/", input_list, name="input_list"),
    path("inputs/<int:pk>/", input_detail, name="input_detail"),
    path("inputs/<int:pk>/submit/", input_submit, name="input_submit"),
    path("inputs/<int:pk>/awards/", award_add, name="award_add"),
    path("inputs/<int:pk>/contributions/", contribution_add, name="contribution_add"),
    path("inputs/<int:pk>/evidence/", evidence_add, name="evidence_add"),
    path("inputs/files/<str:kind>/<int:pk>/", file_download, name="input_file"),
    path("inputs/files/<str:kind>/<int:pk>/remove/", file_remove, name="input_file_remove"),
]
