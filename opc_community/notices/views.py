"""The public notice board (公示栏, RULEBOOK §10): readable by anyone, objections by logged-in people."""

from datetime import datetime

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from opc_community.accounts.permissions import is_oversight_only
from opc_community.core.views import submit_form
from opc_community.notices import quality, selectors, services
from opc_community.notices.forms import ObjectionForm
from opc_community.notices.models import Publication, PublicationKind
from opc_community.workdays.rules import local_date

PAGE_SIZE = 20


@require_GET
def publication_list(request: HttpRequest) -> HttpResponse:
    """Every publication whose window has started, newest first, optionally one kind (tabs)."""
    kind = request.GET.get("kind")
    if kind not in PublicationKind.values:
        kind = None
    publications = selectors.public_publications(now=timezone.now(), kind=kind)
    page = Paginator(publications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notices/publication_list.html",
        {"page_obj": page, "kinds": PublicationKind.choices, "current_kind": kind,
         "page_query": f"kind={kind}&" if kind else "", "publisher": settings.NOTICE_BOARD_PUBLISHER},
    )


@require_http_methods(["GET", "POST"])
def publication_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One publication; during its window a logged-in person may object here (POST).

    A penalty or score publication that has left the board (RULEBOOK §10, decisions added
    2026-12) answers 410 Gone with a page saying so and when — nothing of its text — so that a
    link kept from the feed explains itself; the staff archive (admin) still has it.
    """
    now = timezone.now()
    publication = selectors.started_publication(pk=pk, now=now)
    if publication is None:
        raise Http404
    left_at = publication.leaves_board_at
    if left_at is not None and now >= left_at:
        return _gone(request, publication, left_at=left_at)
    form = ObjectionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())

    def page(status: int) -> HttpResponse:
        window_open = publication.is_window_open(now)
        return render(
            request,
            "notices/publication_detail.html",
            {
                "publication": publication,
                "publisher": settings.NOTICE_BOARD_PUBLISHER,
                "form": form,
                "window_open": window_open,
                # Keep a submitted text on the page even when the window closed meanwhile.
                "show_form": window_open or form.is_bound,
                "own_objection": selectors.own_objection(publication=publication, user=request.user),
                # Oversight writes nothing but rule-revision approvals (RULEBOOK §1): no objection form
                # (its accounts are staff accounts; residents' pages cost no role query).
                "read_only": request.user.is_staff and is_oversight_only(request.user),
            },
            status=status,
        )

    return submit_form(
        request, form,
        lambda data: services.objection_submit(publication=publication, author=request.user, text=data["text"]),
        success_url=publication,
        message=_("Your objection was received. Staff will decide it and record the reason."),
        page=page, failed_status=200,
    )


@require_GET
def service_quality(request: HttpRequest) -> HttpResponse:
    """服务公示 (第四章第四条 2): month by month, how the community kept its service promises — counts and
    shares only, no person. Public like the board; a fixed number of queries (each app's figures)."""
    report = selectors.service_quality(now=timezone.now())
    return render(
        request,
        "notices/service_quality.html",
        {
            "sections": [quality.section_view(section, report.months) for section in report.sections],
            "publisher": settings.NOTICE_BOARD_PUBLISHER,
            "as_of": timezone.now(),
        },
    )


def _gone(request: HttpRequest, publication: Publication, *, left_at: datetime) -> HttpResponse:
    left_on = local_date(left_at)
    return render(
        request,
        "notices/publication_gone.html",
        {
            "kind": publication.get_kind_display(),
            "left_on": left_on,
            # The rule's number as it was applied (the day after the last day on the board).
            "days": (left_on - local_date(publication.window_ends_at)).days - 1,
        },
        status=410,
    )
