"""Benchmark: non-conflicting room bookings per second, through the service layer and through the API.

Run from the checkout (DATABASE_URL and REDIS_URL as for the tests; DEBUG=1 for local defaults):

    .venv/bin/python bench/bookings.py                 # 2000 via the service, 1000 via the API
    BENCH_SERVICE=5000 BENCH_API=2000 .venv/bin/python bench/bookings.py
    BENCH_KEEPDB=1 .venv/bin/python bench/bookings.py  # keep the benchmark database for the next run

It never touches the configured database's data: it creates a dedicated database next to it
(``bench_<name>``, or ``BENCH_DATABASE_NAME``), migrates it, makes its own rooms and residents, and
drops it at the end (unless ``BENCH_KEEPDB=1``).

What is measured:

- service: ``spaces.services.bookings.booking_create`` called in a loop, one transaction per booking,
  exactly as a view calls it — every check (resident, suspension, room, rulebook rules) and the
  exclusion constraint, the audit-trail triggers included;
- API: ``POST /api/v1/bookings/`` through DRF's test client in this process (session login, the
  middleware stack, JSON parsing, serializers, the response) — the application's own cost without
  a network hop or an HTTP server, whose figures would measure gunicorn's configuration and the
  loopback rather than this code. A live server adds roughly a millisecond per request on top.

Bookings are spread over rooms and days so that none conflicts (each one succeeding is checked).
The figure is printed, not asserted: a goal of ≥ 300/s through the service on a 2-core machine.
"""

import os
import secrets
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opc_community.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from opc_community.core.db_roles import connect_as_owner  # noqa: E402

ROOMS = 12
RESIDENTS = 10


def _slots(rooms: list, *, first_day: int, days: int) -> list[tuple]:
    """(room, start, end) one hour long, every room, 08:00–22:00, over ``days`` days from today + first_day."""
    from opc_community import rulebook

    rules = rulebook.in_force().booking
    tz = timezone.get_default_timezone()
    today = timezone.localdate()
    slots = []
    for offset in range(first_day, first_day + days):
        day = today + timedelta(days=offset)
        for room in rooms:
            room_rules = rules.room_types[room.room_type]
            start = datetime.combine(day, room_rules.opens, tzinfo=tz)
            closing = datetime.combine(day, room_rules.closes, tzinfo=tz)
            while start + timedelta(hours=1) <= closing:
                slots.append((room, start, start + timedelta(hours=1)))
                start += timedelta(hours=1)
    return slots


def _arrange() -> tuple[list, list]:
    """Rooms and residents of this run (a fresh prefix, so a kept database can be reused)."""
    from spaces.models import Room, RoomType
    from tests.factories import UserFactory
    from tests.residents.factories import ResidentFactory

    run = secrets.token_hex(3)
    rooms = [
        Room.objects.create(code=f"B{run}-{i:02d}", name=f"基准会议室 {i}", room_type=RoomType.MEETING_ROOM,
                            floor="B1", capacity=20)
        for i in range(ROOMS)
    ]
    residents = [ResidentFactory(user=UserFactory(username=f"bench-{run}-{i}"), name=f"基准入驻主体 {i}")
                 for i in range(RESIDENTS)]
    return rooms, residents


def _service_run(slots: list, residents: list) -> float:
    from spaces.services.bookings import booking_create

    started = time.perf_counter()
    for index, (room, start, end) in enumerate(slots):
        resident = residents[index % len(residents)]
        booking_create(resident=resident, room=room, starts_at=start, ends_at=end, purpose="基准测试",
                       attendees=2, actor=resident.user)
    return time.perf_counter() - started


def _api_run(slots: list, residents: list) -> float:
    from rest_framework.test import APIClient

    clients = []
    for resident in residents:
        client = APIClient()
        client.force_login(resident.user)
        clients.append(client)
    started = time.perf_counter()
    for index, (room, start, end) in enumerate(slots):
        response = clients[index % len(clients)].post(
            "/api/v1/bookings/",
            {"room": room.pk, "starts_at": start.isoformat(), "ends_at": end.isoformat(), "purpose": "基准测试",
             "attendees": 2},
            format="json",
        )
        if response.status_code != 201:
            raise SystemExit(f"API booking refused: {response.status_code} {response.content[:300]!r}")
    return time.perf_counter() - started


def _queries_per_booking(slot: tuple, resident) -> list[str]:
    from spaces.services.bookings import booking_create

    room, start, end = slot
    with CaptureQueriesContext(connection) as captured:
        booking_create(resident=resident, room=room, starts_at=start, ends_at=end, purpose="基准测试",
                       attendees=2, actor=resident.user)
    return [query["sql"][:90] for query in captured]


def main() -> None:
    service_count = int(os.environ.get("BENCH_SERVICE", "2000"))
    api_count = int(os.environ.get("BENCH_API", "1000"))
    keep = os.environ.get("BENCH_KEEPDB") == "1"
    connect_as_owner()  # the benchmark creates and migrates a database of its own

    database = settings.DATABASES["default"]
    configured = database["NAME"]
    database.setdefault("TEST", {})["NAME"] = os.environ.get("BENCH_DATABASE_NAME", f"bench_{configured}")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    print(f"Setting up the benchmark database {database['TEST']['NAME']} (migrations)…", flush=True)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=keep)
    settings.DEBUG = False  # no query log growing in memory during the runs
    try:
        rooms, residents = _arrange()
        slots = _slots(rooms, first_day=1, days=28)
        needed = service_count + api_count + 60
        if len(slots) < needed:
            raise SystemExit(f"only {len(slots)} free slots for {needed} bookings; lower BENCH_SERVICE/BENCH_API")
        warmup, slots = slots[:50], slots[50:]
        probe, slots = slots[0], slots[1:]
        _service_run(warmup, residents)  # first calls parse the rulebook, fill caches, prepare plans
        queries = _queries_per_booking(probe, residents[0])
        service_slots, api_slots = slots[:service_count], slots[service_count:service_count + api_count]

        service_seconds = _service_run(service_slots, residents)
        api_seconds = _api_run(api_slots, residents)

        from spaces.models import Booking

        made = Booking.objects.filter(room__in=rooms).count()
        assert made == len(warmup) + 1 + len(service_slots) + len(api_slots), made
        cpus = os.cpu_count()
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print()
        print(f"Non-conflicting bookings per second ({cpus} CPUs, load average {load:.1f} at the end)")
        print(f"  service layer: {len(service_slots) / service_seconds:8.1f}/s  "
              f"({len(service_slots)} in {service_seconds:.2f} s, {1000 * service_seconds / len(service_slots):.2f} ms each)")
        print(f"  API (in-process DRF client, session login): {len(api_slots) / api_seconds:8.1f}/s  "
              f"({len(api_slots)} in {api_seconds:.2f} s, {1000 * api_seconds / len(api_slots):.2f} ms each)")
        print(f"  database round trips per service booking: {len(queries)}")
        for sql in queries:
            print(f"    {sql}")
        print("  goal: ≥ 300/s through the service layer")
    finally:
        connection.creation.destroy_test_db(configured, verbosity=0, keepdb=keep)


if __name__ == "__main__":
    main()
