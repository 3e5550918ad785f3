"""The login session: idle expiry by role and the second factor it still needs.

Staff sessions end after 30 minutes without a request, residents' after 7 days
(``SESSION_IDLE_TIMEOUT``). The expiry slides: a request restarts it, but the session row is
rewritten only once a 30th of the idle time has passed since the last rewrite (a minute for staff,
5.6 hours for residents), so pages cost no extra query; a staff session therefore ends between 29
and 30 minutes after the last request, a resident's between 6.8 and 7 days. What a session needs is
decided once, at login, from the person's role, and kept in the session; sessions opened
before this policy existed get it on their next request.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest
from django.utils import timezone

from opc_community.accounts import two_factor

POLICY_KEY = "opc_login_policy"
SEEN_KEY = "opc_seen"
#: The session is rewritten once this share of its idle time has passed since the last rewrite.
REFRESH_AFTER_SHARE = 1 / 30


def idle_timeout(user: Any) -> timedelta:
    return settings.SESSION_IDLE_TIMEOUT["staff" if user.is_staff else "resident"]


def apply_login_policy(request: HttpRequest, user: Any) -> None:
    """At login (``user_logged_in``): the session's idle timeout and its outstanding second factor."""
    session = request.session
    session.set_expiry(int(idle_timeout(user).total_seconds()))
    session[SEEN_KEY] = int(timezone.now().timestamp())
    step = two_factor.step_at_login(user)
    if step:
        session[two_factor.STEP_KEY] = step
    else:
        session.pop(two_factor.STEP_KEY, None)
    session[POLICY_KEY] = 1


def on_user_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        apply_login_policy(request, user)


def is_logged_in(request: HttpRequest) -> bool:
    return SESSION_KEY in request.session


def ensure_policy(request: HttpRequest) -> None:
    """Give a logged-in session opened before the policy existed its expiry and second factor."""
    if is_logged_in(request) and POLICY_KEY not in request.session and request.user.is_authenticated:
        apply_login_policy(request, request.user)


def keep_alive(request: HttpRequest) -> None:
    """Slide the expiry of a logged-in session: rewrite it once a 30th of its idle time has passed."""
    session = request.session
    if not is_logged_in(request):
        return
    now = int(timezone.now().timestamp())
    if now - session.get(SEEN_KEY, 0) >= session.get_expiry_age() * REFRESH_AFTER_SHARE:
        session[SEEN_KEY] = now  # modified: SessionMiddleware saves it with a new expiry date
