"""Portal page "my visitors" (我的访客, 第四章第一条，第七章第二条): the host confirms or refuses.

Only the host's own visitors are listed or answered (another resident's visitor: 404), and
the visitor's phone number is always masked here (only the front desk sees it in full).
The front desk itself works in the operations desk (``spaces.admin.visitors``).
"""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from opc_community.core.views import submit_action
from residents.access import resident_required
from spaces.forms.visitors import HostRefuseForm
from spaces.models import Visitor
from spaces.rules.visitors import host_can_answer
from spaces.selectors import visitors as selectors
from spaces.services import visitors as services

PAGE_SIZE = 20


@resident_required
@require_GET
def visitor_list(request: HttpRequest) -> HttpResponse:
    """我的访客: visitors awaiting an answer first, then the newest; phones masked."""
    page = Paginator(selectors.visitors_of_host(request.resident), PAGE_SIZE).get_page(request.GET.get("page"))
    for visitor in page.object_list:
        visitor.can_answer = host_can_answer(visitor.status)
    return render(request, "spaces/visitors/list.html", {"page": page, "refuse_form": HostRefuseForm()})


@resident_required
@require_POST
def visitor_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    visitor = _own(request, pk)
    return submit_action(
        request, lambda: services.visitor_confirm(visitor=visitor, actor=request.user), redirect_to="spaces:visitor_list",
        message=_("You confirmed %(name)s; the front desk may admit the visitor.") % {"name": visitor.name},
    )


@resident_required
@require_POST
def visitor_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    visitor = _own(request, pk)
    form = HostRefuseForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return submit_action(
        request, lambda: services.visitor_refuse(visitor=visitor, actor=request.user, reason=reason),
        redirect_to="spaces:visitor_list",
        message=_("You refused the visit of %(name)s; the front desk is told.") % {"name": visitor.name},
    )


def _own(request: HttpRequest, pk: int) -> Visitor:
    return get_object_or_404(selectors.visitors_of_host(request.resident), pk=pk)


urlpatterns = [
    path("visitors/", visitor_list, name="visitor_list"),
    path("visitors/<int:pk>/confirm/", visitor_confirm, name="visitor_confirm"),
    path("visitors/<int:pk>/refuse/", visitor_refuse, name="visitor_refuse"),
]
