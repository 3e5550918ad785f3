"""Portal pages: log in and out, the dashboard, the inbox.

Thin views (STYLE.md #7): each states who may use it with a decorator, fetches
through a selector scoped to the logged-in person, calls at most one service.
"""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required, login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from opc_community.portal import selectors, services
from opc_community.portal.cards import cards_for

INBOX_PAGE_SIZE = 20


class LogoutView(auth_views.LogoutView):
    """Log out (POST only, CSRF-protected) and say so on the login page."""

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have been logged out."))
        return response


# Public: the login page (``?next=`` is followed only to this site's own pages).
login = login_not_required(
    auth_views.LoginView.as_view(
        template_name="portal/login.html", redirect_authenticated_user=True
    )
)

# Anyone, POST only: logging out needs no login (an expired session may still click it).
logout = login_not_required(require_POST(LogoutView.as_view()))

# Logged-in users: change their own password.
password_change = login_required(
    auth_views.PasswordChangeView.as_view(
        template_name="portal/password_change_form.html",
        success_url=reverse_lazy("portal:password_change_done"),
    )
)
password_change_done = login_required(
    auth_views.PasswordChangeDoneView.as_view(template_name="portal/password_change_done.html")
)


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The home page (UI.md): what to do and by when. Cards come from the domain apps
    (``portal.cards``); slots without data say so honestly."""
    return render(
        request,
        "portal/dashboard.html",
        {"latest_unread": selectors.latest_unread(request.user), "cards": cards_for(request)},
    )


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """The logged-in person's notifications, newest first, 20 to a page."""
    page = Paginator(selectors.inbox_for(request.user), INBOX_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "portal/inbox.html", {"page": page})


@login_required
@require_GET
def notification(request: HttpRequest, pk: int) -> HttpResponse:
    """One notification of the logged-in person (anyone else's: 404); opening it marks it read."""
    item = get_object_or_404(selectors.inbox_for(request.user), pk=pk)
    services.notification_mark_read(notification=item, user=request.user)
    return render(request, "portal/notification_detail.html", {"notification": item})


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    """Mark every unread notification of the logged-in person read."""
    changed = services.notifications_mark_all_read(user=request.user)
    if changed:
        messages.success(request, _("All messages have been marked as read."))
    return redirect("portal:inbox")
