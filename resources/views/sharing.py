"""Portal pages of the sharing board and AI capability pool (资源共享平台、AI能力共享池, 第四章第二条 3),
under /portal/resources/sharing/.

Residents only (``resident_required``; staff work in the operations desk): the board with filters by
kind and category; a post's page (the author sees who expressed interest and closes, renews or edits
it; others express interest); posting; 我的共享 — the resident's posts, the interests it expressed and
the matches to confirm or decline. A resident reads another's post only while it is on the board,
never another's interests or matches (everything is fetched through ``request.resident``: another's
→ 404).
"""

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opc_community import rulebook
from opc_community.core.moments import format_day
from opc_community.core.views import submit_action, submit_form
from residents.access import resident_required
from residents.guards import Action, refusal
from resources.forms.sharing import InterestForm, PostEditForm, PostForm
from resources.models import SharingCategory, SharingInterest, SharingKind
from resources.rules import sharing as rules
from resources.selectors import sharing as selectors
from resources.services import sharing as services

PAGE_SIZE = 20


def _rule_note() -> str:
    days = rulebook.in_force(on=timezone.localdate()).sharing.post_validity_days
    return _("Posts are seen inside the community only, never on the public notice board, and stay on the board "
             "%(days)s days after posting or renewal (Chapter 4, Article 2.3).") % {"days": days}


@resident_required
@require_GET
def sharing_list(request: HttpRequest) -> HttpResponse:
    """共享平台: the posts on the board, filtered by kind, category and words."""
    kind = request.GET.get("kind") if request.GET.get("kind") in SharingKind.values else ""
    category = request.GET.get("category") if request.GET.get("category") in SharingCategory.values else ""
    search = (request.GET.get("q") or "").strip()[:50]
    posts = selectors.board(kind=kind, category=category, search=search)
    page = Paginator(posts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "resources/sharing/list.html", {
        "page": page, "kind": kind, "category": category, "q": search,
        "kinds": SharingKind.choices, "categories": SharingCategory.choices, "rule": _rule_note(),
    })


@resident_required
@require_http_methods(["GET", "POST"])
def sharing_new(request: HttpRequest) -> HttpResponse:
    """发布: an offer or a need, with the 第四章第二条 3 confirmation."""
    initial = {"kind": request.GET.get("kind") or SharingKind.OFFER, "category": request.GET.get("category")}
    form = PostForm(request.POST or None, initial=initial)
    return submit_form(
        request, form,
        lambda data: services.post_create(
            resident=request.resident, kind=data["kind"], category=data["category"], title=data["title"],
            body=data["body"], confirm_no_secrets=data["confirm_no_secrets"], actor=request.user),
        success_url=lambda post: reverse("resources:sharing_detail", args=[post.pk]),
        message=lambda post: _("Your post is on the sharing board until %(last)s.")
        % {"last": format_day(rules.last_day(post.expires_at))},
        template="resources/sharing/form.html",
        context={"refusal": refusal(request.resident, Action.POST_SHARING), "rule": _rule_note(), "editing": False},
    )


def _detail_context(request: HttpRequest, post: Any) -> dict:
    now = timezone.now()
    mine = post.resident_id == request.resident.pk
    state = rules.effective_status(status=post.status, expiry=post.expires_at, now=now)
    context = {"post": post, "mine": mine, "state": state, "last_day": rules.last_day(post.expires_at),
               "rule": _rule_note()}
    if mine:
        context["interests"] = list(selectors.interests_in(post))
        context["can_edit"] = rules.edit_refusal(is_author=True, status=post.status,
                                                 expiry=post.expires_at, now=now) is None
        context["can_close"] = rules.close_refusal(is_author=True, status=post.status) is None
        context["can_renew"] = context["can_close"]
    else:
        context["own_interest"] = SharingInterest.objects.filter(post=post, resident=request.resident).first()
        context["refusal"] = refusal(request.resident, Action.POST_SHARING)
    return context


@resident_required
@require_http_methods(["GET", "POST"])
def sharing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A post: its text; the author sees who expressed interest (with the messages); others express interest."""
    post = get_object_or_404(selectors.visible_to(request.resident), pk=pk)
    form = InterestForm(request.POST or None)
    return submit_form(
        request, form,
        lambda data: services.interest_express(post=post, resident=request.resident, message=data["message"],
                                               actor=request.user),
        success_url=reverse("resources:sharing_detail", args=[post.pk]),
        message=_("The author received your message; the resources team may propose a match."),
        template="resources/sharing/detail.html", context=_detail_context(request, post),
    )


@resident_required
@require_http_methods(["GET", "POST"])
def sharing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The author changes the text, confirming 第四章第二条 3 again."""
    post = get_object_or_404(selectors.posts_of(request.resident), pk=pk)
    form = PostEditForm(request.POST or None, initial={"category": post.category, "title": post.title,
                                                      "body": post.body})
    return submit_form(
        request, form,
        lambda data: services.post_update(post=post, category=data["category"], title=data["title"],
                                          body=data["body"], confirm_no_secrets=data["confirm_no_secrets"],
                                          actor=request.user),
        success_url=reverse("resources:sharing_detail", args=[post.pk]), message=_("Your post was changed."),
        template="resources/sharing/form.html", context={"post": post, "rule": _rule_note(), "editing": True},
    )


@resident_required(checked_in=False)
@require_POST
def sharing_close(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_object_or_404(selectors.posts_of(request.resident), pk=pk)
    return submit_action(request, lambda: services.post_close(post=post, actor=request.user),
                         redirect_to=reverse("resources:sharing_mine"), message=_("Your post was closed."))


@resident_required
@require_POST
def sharing_renew(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_object_or_404(selectors.posts_of(request.resident), pk=pk)
    return submit_action(
        request, lambda: services.post_renew(post=post, actor=request.user),
        redirect_to=reverse("resources:sharing_detail", args=[post.pk]),
        message=lambda renewed: _("Your post is on the sharing board until %(last)s.")
        % {"last": format_day(rules.last_day(renewed.expires_at))},
    )


@resident_required(checked_in=False)
@require_GET
def sharing_mine(request: HttpRequest) -> HttpResponse:
    """我的共享: my posts, the interests I expressed, my matches to confirm."""
    resident = request.resident
    matches = list(selectors.matches_of(resident)[:PAGE_SIZE])
    for match in matches:
        match.side = "author" if match.author_id == resident.pk else "counterpart"
        match.other = match.counterpart if match.side == "author" else match.author
        own = match.author_answer if match.side == "author" else match.counterpart_answer
        match.may_answer = match.status == "proposed" and own == "pending"
    return render(request, "resources/sharing/mine.html", {
        "posts": list(selectors.posts_of(resident)[:PAGE_SIZE]),
        "interests": list(selectors.interests_of(resident)[:PAGE_SIZE]),
        "matches": matches, "now": timezone.now(), "rule": _rule_note(),
    })


def _answer(request: HttpRequest, pk: int, *, accept: bool) -> HttpResponse:
    match = get_object_or_404(selectors.matches_of(request.resident), pk=pk)
    return submit_action(
        request, lambda: services.match_answer(match=match, accept=accept, actor=request.user),
        redirect_to=reverse("resources:sharing_mine"),
        message=_("You confirmed the match.") if accept else _("You declined the match."),
    )


@resident_required
@require_POST
def match_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(request, pk, accept=True)


@resident_required(checked_in=False)
@require_POST
def match_decline(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(request, pk, accept=False)


urlpatterns = [
    path("sharing/", sharing_list, name="sharing_list"),
    path("sharing/new/", sharing_new, name="sharing_new"),
    path("sharing/mine/", sharing_mine, name="sharing_mine"),
    path("sharing/<int:pk>/", sharing_detail, name="sharing_detail"),
    path("sharing/<int:pk>/edit/", sharing_edit, name="sharing_edit"),
    path("sharing/<int:pk>/close/", sharing_close, name="sharing_close"),
    path("sharing/<int:pk>/renew/", sharing_renew, name="sharing_renew"),
    path("sharing/matches/<int:pk>/accept/", match_accept, name="sharing_match_accept"),
    path("sharing/matches/<int:pk>/decline/", match_decline, name="sharing_match_decline"),
]
