"""Portal pages of safety (第七章).

- **Report an incident** (安全事件上报): anyone logged in — resident or staff — in under a minute:
  what, where, when (now by default), a few words and a photo taken on the spot. "My reports" lists
  the person's own reports only (another person's: 404), with what staff did.
- **The inspection round** (月度巡检, the daily management team on a phone): the items not yet
  inspected this month, each with pass / defect + photo.
- Photos are served privately: to safety staff (and readers of the register), and an incident's
  photo to its reporter.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opc_community.accounts.permissions import is_oversight_only
from opc_community.core.uploads import private_file_response
from opc_community.core.views import submit_form
from spaces.forms.safety import IncidentReportForm, InspectionForm
from spaces.models import FireEquipment, Incident, Inspection, SafetyWorkItem
from spaces.selectors import safety as selectors
from spaces.services import safety as services

PAGE_SIZE = 20


@login_required
@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.incidents_reported_by(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "spaces/safety/incident_list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def incident_new(request: HttpRequest) -> HttpResponse:
    """Report a hazard, a suspicious person, a theft, a fight or a network / information-security issue.
    Anyone of the community reports; oversight only reads (RULEBOOK §1)."""
    if is_oversight_only(request.user):
        raise PermissionDenied
    posted = request.method == "POST"
    form = IncidentReportForm(request.POST if posted else None, request.FILES if posted else None)
    return submit_form(
        request, form, lambda data: services.incident_report(actor=request.user, **data),
        success_url=lambda incident: reverse("spaces:incident_detail", args=[incident.pk]),
        message=_("Thank you: the daily management team was told at once."),
        template="spaces/safety/incident_new.html", flash_errors=True,
    )


@login_required
@require_GET
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(selectors.with_actions(selectors.incidents_reported_by(request.user)), pk=pk)
    return render(request, "spaces/safety/incident_detail.html", {"incident": incident})


@login_required
@require_GET
def inspection_round(request: HttpRequest) -> HttpResponse:
    """The items of this month's round not yet inspected (safety staff)."""
    if not services.is_safety_staff(request.user):
        raise PermissionDenied
    items = list(selectors.uninspected_this_round(today=timezone.localdate()))
    return render(request, "spaces/safety/round.html", {"items": items, "form": InspectionForm()})


@login_required
@require_POST
def inspection_new(request: HttpRequest, pk: int) -> HttpResponse:
    if not services.is_safety_staff(request.user):
        raise PermissionDenied
    equipment = get_object_or_404(FireEquipment, pk=pk)
    form = InspectionForm(request.POST, request.FILES)

    def page(status: int) -> HttpResponse:
        items = list(selectors.uninspected_this_round(today=timezone.localdate()))
        return render(request, "spaces/safety/round.html",
                      {"items": items, "form": InspectionForm(), "failed": equipment, "failed_form": form},
                      status=status)

    return submit_form(
        request, form, lambda data: services.inspection_record(equipment=equipment, actor=request.user, **data),
        success_url=reverse("spaces:inspection_round"),
        message=lambda inspection: _("%(code)s: %(result)s recorded.") % {
            "code": equipment.code, "result": inspection.get_result_display()},
        page=page, flash_errors=True,
    )


#: kind → (model, file field, content-type field)
_PHOTOS = {
    "incident": (Incident, "photo", "photo_type"),
    "inspection": (Inspection, "photo", "photo_type"),
    "work_item": (SafetyWorkItem, "evidence", "evidence_type"),
}


@login_required
@require_GET
def safety_photo(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """A photo, privately: to staff who may read it; an incident's also to its reporter; else 404."""
    if kind not in _PHOTOS:
        raise Http404
    model, field, type_field = _PHOTOS[kind]
    if request.user.is_staff and request.user.has_perm(f"spaces.view_{model._meta.model_name}"):
        obj = get_object_or_404(model, pk=pk)
    elif kind == "incident":
        obj = get_object_or_404(selectors.incidents_reported_by(request.user), pk=pk)
    else:
        raise Http404
    stored, content_type = getattr(obj, field), getattr(obj, type_field)
    if not stored or content_type not in services.PHOTO_EXTENSIONS:
        raise Http404
    return private_file_response(
        stored, download_name=f"{kind}-{obj.pk}.{services.PHOTO_EXTENSIONS[content_type]}", content_type=content_type
    )


urlpatterns = [
    path("safety/incidents/", incident_list, name="incident_list"),
    path("safety/incidents/new/", incident_new, name="incident_new"),
    path("safety/incidents/<int:pk>/", incident_detail, name="incident_detail"),
    path("safety/round/", inspection_round, name="inspection_round"),
    path("safety/round/<int:pk>/", inspection_new, name="inspection_new"),
    path("safety/photos/<str:kind>/<int:pk>/", safety_photo, name="safety_photo"),
]
