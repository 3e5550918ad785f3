"""Idle expiry by role: staff sessions end 30 minutes after the last request, residents' after 7 days;
each request restarts the clock, rewriting the session only once a 30th of the idle time has passed
(a minute for staff): no query per page."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("idle_expiry")]

START = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
INBOX = reverse("portal:inbox")


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_the_idle_timeouts_are_30_minutes_for_staff_and_7_days_for_residents(settings):
    timeouts = settings.SESSION_IDLE_TIMEOUT
    assert timeouts == {"staff": timedelta(minutes=30), "resident": timedelta(days=7)}


def _logged_in(client) -> bool:
    return client.get(INBOX).status_code == 200


@pytest.mark.parametrize(("who", "idle"), [("daily_staff", timedelta(minutes=30)), ("resident_a", timedelta(days=7))])
def test_a_session_ends_after_the_idle_time_of_the_role(request, clock, client_for, who, idle):
    client = client_for(request.getfixturevalue(who))
    clock.shift(idle - timedelta(minutes=1))
    assert _logged_in(client)

    clock.shift(idle + timedelta(seconds=1))

    assert client.get(INBOX).headers["Location"].startswith(reverse("portal:login"))


@pytest.mark.parametrize("who", ["daily_staff", "administrator", "resident_a"])
def test_activity_keeps_a_session_alive(request, clock, client_for, who):
    user = request.getfixturevalue(who)
    client = client_for(user)
    idle = timedelta(minutes=30) if user.is_staff else timedelta(days=7)
    for _ in range(4):
        clock.shift(idle - timedelta(minutes=2))
        assert _logged_in(client)


def test_a_staff_session_from_before_the_policy_gets_it(client, clock, daily_staff):
    # A session logged in before this release: no idle timeout recorded
    client.force_login(daily_staff)
    session = client.session
    for key in ("opc_login_policy", "opc_seen"):
        del session[key]
    session.set_expiry(None)
    session.save()

    assert _logged_in(client)  # the first request applies the policy
    clock.shift(timedelta(minutes=31))
    assert not _logged_in(client)


def _session_writes(queries) -> int:
    return sum(1 for query in queries.captured_queries if query["sql"].startswith('UPDATE "django_session"'))


def test_the_sliding_expiry_costs_no_query_per_page(clock, client_for, daily_staff):
    client = client_for(daily_staff)
    client.get(INBOX)
    # Within a minute, a page does not rewrite the session ...
    with CaptureQueriesContext(connection) as quiet:
        client.get(INBOX)
    clock.shift(timedelta(seconds=61))
    # ... once a minute has passed, one UPDATE of the session row restarts the clock
    with CaptureQueriesContext(connection) as refresh:
        client.get(INBOX)
    assert (_session_writes(quiet), _session_writes(refresh)) == (0, 1)
