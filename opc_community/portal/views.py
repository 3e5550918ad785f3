"""Portal pages: log in and out, two-factor authentication of staff, the dashboard, the inbox.

Thin views (STYLE.md #7): each states who may use it with a decorator, fetches
through a selector scoped to the logged-in person, calls at most one service.
"""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required, login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opc_community.accounts import services as account_services
from opc_community.accounts import two_factor
from opc_community.accounts.forms import LoginForm, TwoFactorCodeForm
from opc_community.accounts.lockout import client_ip
from opc_community.core.qr import qr_svg
from opc_community.core.views import submit_form
from opc_community.portal import selectors, services
from opc_community.portal.cards import cards_for

INBOX_PAGE_SIZE = 20


class LogoutView(auth_views.LogoutView):
    """Log out (POST only, CSRF-protected) and say so on the login page."""

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have been logged out."))
        return response


# Public: the login page (``?next=`` is followed only to this site's own pages). Too many failures
# lock the account or the address for a while (accounts.lockout); the page says so (HTTP 429).
login = login_not_required(
    auth_views.LoginView.as_view(
        template_name="portal/login.html", redirect_authenticated_user=True, authentication_form=LoginForm
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


def _next_url(request: HttpRequest) -> str:
    """Where to go once the second factor is given: ``next`` if it is a page of this site, else the
    operations desk (the pages that need it are staff pages)."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return wanted
    return reverse("admin:index")


# Staff (others: 403): enrol an authenticator app — required for the administrator and oversight
# roles, optional for the other teams; once enrolled, every login asks for its code.
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    """The QR code and the secret of a new authenticator, confirmed by one of its codes; a person
    who has one sees its state (a lost phone is reset by an operator: manage.py two_factor_reset)."""
    if not two_factor.may_enrol(request.user):
        raise PermissionDenied
    next_url = _next_url(request)
    device = two_factor.confirmed_device(request.user)
    if device is not None:
        if two_factor.outstanding(request):
            return redirect(two_factor.step_url(two_factor.VERIFY, next_url))
        return render(request, "portal/two_factor_enrolled.html", {"device": device})
    key = two_factor.pending_key(request)
    form = TwoFactorCodeForm(request.POST or None)

    def enrol(data: dict) -> None:
        device = account_services.two_factor_enrol(
            user=request.user, key=key, code=data["code"], ip_address=client_ip(request), path=request.path,
        )
        two_factor.mark_verified(request, device)

    uri = two_factor.config_url(request.user, key)
    return submit_form(
        request, form, enrol, success_url=next_url,
        message=_("Two-factor authentication is on: every login will ask for a code."),
        template="portal/two_factor_enrol.html", failed_status=200,
        context={
            "next": next_url,
            "required": two_factor.requires_two_factor(request.user),
            "secret": two_factor.secret_text(key),
            "qr": qr_svg(uri, title=_("QR code for your authenticator app"), svgclass="two-factor__qr-image"),
        },
    )


# Logged-in users whose login still needs the code of their authenticator (others go on to ``next``).
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of a login. Wrong codes count as failed logins (the same lock-out)."""
    next_url = _next_url(request)
    if not two_factor.outstanding(request):
        return redirect(next_url)
    if two_factor.confirmed_device(request.user) is None:
        return redirect(two_factor.step_url(two_factor.ENROL, next_url))
    form = TwoFactorCodeForm(request.POST or None)
    return submit_form(
        request, form,
        lambda data: two_factor.mark_verified(request, two_factor.verify(request, request.user, data["code"])),
        success_url=next_url, template="portal/two_factor_verify.html", context={"next": next_url}, failed_status=200,
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
