"""Middleware of the login session policy (accounts.sessions, accounts.two_factor)."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from rest_framework.views import APIView

from opc_community.accounts import sessions, two_factor

#: Pages a session with an outstanding second factor may still open.
OPEN_VIEWS = frozenset({
    "portal:two_factor_enrol", "portal:two_factor_verify", "portal:logout", "admin:logout", "set_language",
})


class SlidingSessionMiddleware:
    """Restarts the idle expiry of logged-in sessions (after SessionMiddleware, which saves them)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        sessions.keep_alive(request)
        return response


class TwoFactorMiddleware:
    """Sends a session whose second factor is outstanding to enrolment or to the code page
    (the API answers 403 with the reason), whatever page it asks for."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        sessions.ensure_policy(request)
        step = two_factor.outstanding(request)
        if not step or request.resolver_match.view_name in OPEN_VIEWS:
            return None
        view_class = getattr(view_func, "cls", None)
        if isinstance(view_class, type) and issubclass(view_class, APIView):
            message = _("Two-factor authentication is required: give the code of your authenticator in the portal first.")
            return JsonResponse(
                {"detail": message, "code": "two_factor_required"}, status=403, json_dumps_params={"ensure_ascii": False}
            )
        return redirect(two_factor.step_url(step, request.get_full_path()))
