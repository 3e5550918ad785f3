"""Benchmark: a room booking through the service against its floor, one INSERT + COMMIT of the same row.

Run from the checkout (DATABASE_URL and REDIS_URL as for the tests; DEBUG=1 for local defaults):

    python bench/bookings.py                           # 10 rounds of 100 bookings each way
    BENCH_ROUNDS=20 BENCH_BATCH=50 python bench/bookings.py
    BENCH_API=1 python bench/bookings.py               # also POST /api/v1/bookings/ (in-process client)
    BENCH_KEEPDB=1 python bench/bookings.py            # keep the benchmark database for the next run

It never touches the configured database's data: it creates a dedicated database next to it
(``bench_<name>``, or ``BENCH_DATABASE_NAME``), migrates it, makes its own rooms and residents, and
drops it at the end (unless ``BENCH_KEEPDB=1``).

Each round alternates, in this one process, a batch of bookings through the service and a batch of the
floor, on free slots (none conflicts; every one is checked to succeed):

- service: ``spaces.services.bookings.booking_create`` in a loop, one transaction per booking, exactly
  as a view calls it — every check (resident, suspension, room, rulebook rules), the exclusion
  constraint and the audit-trail trigger;
- floor: the same row written by one raw ``INSERT`` in its own transaction (BEGIN, INSERT, COMMIT) —
  the table's constraints and audit trigger included, no check and no ORM;
- API (``BENCH_API=1``): ``POST /api/v1/bookings/`` through DRF's test client in this process.

Printed: the ratio service / floor per round (min / median / max), the absolute figures (bookings per
second, ms each) and the service's database round trips. Not asserted; the goal is a ratio ≤ 2.5
(≥ 300 bookings/s through the service on a 2-core machine).
"""

import os
import secrets
import statistics
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


FLOOR_SQL = (
    "INSERT INTO spaces_booking (room_id, resident_id, booked_by_id, starts_at, ends_at, purpose, attendees, "
    "status, uses_credit, created_at, cancel_reason) "
    "VALUES (%s, %s, %s, %s, %s, %s, 2, 'confirmed', false, now(), '')"
)


def _floor_run(slots: list, residents: list) -> float:
    """The same rows, each by one INSERT in its own transaction (BEGIN, INSERT, COMMIT)."""
    from django.db import transaction

    started = time.perf_counter()
    for index, (room, start, end) in enumerate(slots):
        resident = residents[index % len(residents)]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(FLOOR_SQL, [room.pk, resident.pk, resident.user_id, start, end, "基准测试"])
    return time.perf_counter() - started


def _api_run(slots: list, clients: list) -> float:
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


def _api_clients(residents: list) -> list:
    from rest_framework.test import APIClient

    clients = []
    for resident in residents:
        client = APIClient()
        client.force_login(resident.user)
        clients.append(client)
    return clients


def _queries_per_booking(slot: tuple, resident) -> list[str]:
    from spaces.services.bookings import booking_create

    room, start, end = slot
    with CaptureQueriesContext(connection) as captured:
        booking_create(resident=resident, room=room, starts_at=start, ends_at=end, purpose="基准测试",
                       attendees=2, actor=resident.user)
    return [query["sql"][:100] for query in captured]


def _spread(values: list[float]) -> str:
    return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f}"


def main() -> None:
    rounds = int(os.environ.get("BENCH_ROUNDS", "10"))
    batch = int(os.environ.get("BENCH_BATCH", "100"))
    with_api = os.environ.get("BENCH_API") == "1"
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
        ways = 3 if with_api else 2
        slots = _slots(rooms, first_day=1, days=28)
        needed = rounds * batch * ways + 51
        if len(slots) < needed:
            raise SystemExit(f"only {len(slots)} free slots for {needed} bookings; lower BENCH_ROUNDS/BENCH_BATCH")
        warmup, slots = slots[:50], slots[50:]
        probe, slots = slots[0], slots[1:]
        _service_run(warmup[:25], residents)  # first calls parse the rulebook, fill caches, prepare plans
        _floor_run(warmup[25:], residents)
        queries = _queries_per_booking(probe, residents[0])
        clients = _api_clients(residents) if with_api else []

        service, floor, api = [], [], []
        for number in range(rounds):  # alternated: service, floor (, API) on their own free slots
            chunk = slots[number * batch * ways:(number + 1) * batch * ways]
            service.append(_service_run(chunk[:batch], residents) / batch)
            floor.append(_floor_run(chunk[batch:2 * batch], residents) / batch)
            if with_api:
                api.append(_api_run(chunk[2 * batch:], clients) / batch)

        from spaces.models import Booking

        made = Booking.objects.filter(room__in=rooms).count()
        assert made == len(warmup) + 1 + rounds * batch * ways, made
        ratios = [s / f for s, f in zip(service, floor, strict=True)]
        load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
        print()
        print(f"Room bookings, {rounds} rounds of {batch} each way alternated in one process "
              f"({os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the end)")
        print("  floor: the same row by one raw INSERT in its own transaction (BEGIN, INSERT, COMMIT; "
              "constraints and audit trigger included)")
        print(f"  ratio service / floor (min / median / max): {_spread(ratios)}      goal ≤ 2.5")
        print(f"  service: {_spread([1000 * t for t in service])} ms each, median "
              f"{1 / statistics.median(service):.0f}/s      goal ≥ 300/s")
        print(f"  floor:   {_spread([1000 * t for t in floor])} ms each, median {1 / statistics.median(floor):.0f}/s")
        if with_api:
            print(f"  API (in-process DRF client, session login): {_spread([1000 * t for t in api])} ms each, "
                  f"ratio to the floor {_spread([a / f for a, f in zip(api, floor, strict=True)])}")
        print(f"  database round trips per service booking: {len(queries)}")
        for sql in queries:
            print(f"    {sql}")
    finally:
        connection.creation.destroy_test_db(configured, verbosity=0, keepdb=keep)


if __name__ == "__main__":
    main()
