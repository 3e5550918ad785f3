"""Benchmark: p50/p95 of the busiest pages against a bare view, under a bounded concurrent load.

Run from the checkout (DATABASE_URL and REDIS_URL as for the tests; DEBUG=1 for local defaults):

    python bench/pages.py                               # 1,000 residents, 3 runs, 20 users, 10 s a measure
    BENCH_RESIDENTS=10000 python bench/pages.py         # the recorded figures (docs/performance.md, "Pages")
    BENCH_KEEPDB=1 python bench/pages.py                # keep the seeded database for the next run
    BENCH_RESIDENTS=0 python bench/pages.py             # the demo community alone
    BENCH_RUNS=5 BENCH_USERS=20 BENCH_SECONDS=15 BENCH_PAGES=dashboard,residents python bench/pages.py

It never touches the configured database's data: like ``bench/bookings.py`` it creates a dedicated
database next to it (``bench_<name>``, or ``BENCH_DATABASE_NAME``), migrates it, fills it with
``seed_demo`` then ``seed_scale --residents N``, and drops it at the end (unless ``BENCH_KEEPDB=1``; a
kept database already holding N residents is not seeded again).

What is measured: gunicorn (2 sync workers, DEBUG off, static files collected as in the image) serves
the product and, only in this benchmark's URLconf (``bench/pages_site.py``), the floor. locust
(``bench/pages_locust.py``) keeps BENCH_USERS simulated users GETting one path back to back, each with
the logged-in session cookie of a demo account (the resident 张三 for the portal, the administrator
孙运营 — two-factor verified — for the operations desk), for BENCH_SECONDS after all have started.
Each page's measure is followed by the floor's, in every run, so both see the same machine load.
The ratio is page / floor of the p95 (and of the p50); min / median / max over the runs.

The floor, in one line: GET /bench/bare/, a view answering "ok" behind the same middleware, session
and user as the page, on the same gunicorn under the same load.
"""

import contextlib
import csv
import http.client
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opc_community.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from opc_community.core.db_roles import connect_as_owner  # noqa: E402

FLOOR = "/bench/bare/"
WORKERS = 2


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    url_name: str
    username: str  # the demo account whose session requests it


PAGES = (
    Page("dashboard", "portal dashboard", "portal:dashboard", "zhangsan"),
    Page("residents", "admin residents", "admin:residents_resident_changelist", "lead"),
    Page("bookings", "admin bookings", "admin:spaces_booking_changelist", "lead"),
    Page("complaints", "admin complaints", "admin:residents_complaint_changelist", "lead"),
    Page("audit", "admin audit trail", "admin:core_auditevent_changelist", "lead"),
)


@dataclass(frozen=True)
class Measure:
    p50: float
    p95: float
    requests: int
    failures: int
    seconds: float


def _seed(residents: int) -> int:
    """The demo community, then ``seed_scale`` up to ``residents`` (0: the demo alone)."""
    from opc_community.accounts.models import User
    from residents.models import Resident

    if not User.objects.filter(username="lead").exists():
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115 - closed with the process
    if Resident.objects.count() < residents:
        started = time.perf_counter()
        call_command("seed_scale", residents=residents)
        print(
            f"  seed_scale --residents {residents}: {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    return Resident.objects.count()


def _session_cookie(username: str) -> str:
    """A logged-in session of the demo account (two-factor verified for staff), as a Cookie header."""
    from opc_community.accounts.models import User
    from tests.logins import login

    client = login(Client(), User.objects.get(username=username))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def _queries(path: str, cookie: str) -> int:
    """Database queries of one request of the page, in this process (after a first one)."""
    client = Client(HTTP_COOKIE=cookie)
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        status = client.get(path).status_code
    if status != 200:
        raise SystemExit(f"{path}: HTTP {status} in-process")
    return len(captured)


def _database_url(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{name}"))


def _server_env(database: str, static_root: str) -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,  # the sessions made here are signed with it
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": _database_url(database),
        "STATIC_ROOT": static_root,
        "GUNICORN_CMD_ARGS": "",
        "WEB_CONCURRENCY": str(WORKERS),
    }


def _get(base: str, path: str, cookie: str) -> int:
    """The status of one GET, redirects not followed (a 302 to the login page is a failure)."""
    server = http.client.HTTPConnection(urlsplit(base).netloc, timeout=300)
    try:
        server.request(
            "GET",
            path,
            headers={"Cookie": cookie, "X-Forwarded-Proto": "https", "Accept-Language": "zh-hans"},
        )
        response = server.getresponse()
        response.read()
        return response.status
    finally:
        server.close()


def _wait_for(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn stopped: see its output above")
        with contextlib.suppress(OSError):  # not listening yet: ask again
            if _get(base, "/healthz", "") == 200:
                return
        time.sleep(0.5)
    raise SystemExit("gunicorn did not answer within 120 s")


def _measure(
    base: str, path: str, cookie: str, *, users: int, seconds: int, workdir: str
) -> Measure:
    prefix = os.path.join(workdir, f"m{secrets.token_hex(4)}")
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "bench" / "pages_locust.py"),
            "--headless",
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            f"{seconds}s",
            "--host",
            base,
            "--csv",
            prefix,
            "--only-summary",
            "--reset-stats",
            "--stop-timeout",
            "60",
            "--loglevel",
            "ERROR",
        ],
        env={**os.environ, "BENCH_PATH": path, "BENCH_COOKIE": cookie},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # its summary; the figures are read from its CSV
        check=False,
    )
    elapsed = time.perf_counter() - started
    with open(f"{prefix}_stats.csv", newline="") as stats:
        row = next(line for line in csv.DictReader(stats) if line["Name"] == "page")
    return Measure(
        float(row["50%"]),
        float(row["95%"]),
        int(row["Request Count"]),
        int(row["Failure Count"]),
        elapsed,
    )


def _spread(values: list[float]) -> str:
    return f"{min(values):5.2f} / {statistics.median(values):5.2f} / {max(values):5.2f}"


def main() -> None:
    residents = int(os.environ.get("BENCH_RESIDENTS", "1000"))
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    users = int(os.environ.get("BENCH_USERS", "20"))
    seconds = int(os.environ.get("BENCH_SECONDS", "10"))
    chosen = os.environ.get("BENCH_PAGES", ",".join(page.key for page in PAGES)).split(",")
    pages = [page for page in PAGES if page.key in chosen]
    keep = os.environ.get("BENCH_KEEPDB") == "1"
    signal.signal(
        signal.SIGTERM, lambda *_: sys.exit(1)
    )  # stop gunicorn and drop the database on a kill
    connect_as_owner()  # the benchmark creates, migrates and seeds a database of its own

    database = settings.DATABASES["default"]
    configured = database["NAME"]
    database.setdefault("TEST", {})["NAME"] = os.environ.get(
        "BENCH_DATABASE_NAME", f"bench_{configured}"
    )
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    print(f"Setting up the benchmark database {database['TEST']['NAME']} (migrations)…", flush=True)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=keep)
    workdir = tempfile.mkdtemp(prefix="bench-pages-")
    server = None
    try:
        seeded = _seed(residents)
        settings.DEBUG = False  # no query log growing in memory
        cookies = {page.key: _session_cookie(page.username) for page in pages}
        paths = {page.key: reverse(page.url_name) for page in pages}
        queries = {page.key: _queries(paths[page.key], cookies[page.key]) for page in pages}
        connection.close()  # gunicorn's workers open their own connections

        static_root = os.path.join(tempfile.gettempdir(), "bench-pages-static")
        env = _server_env(database["NAME"], static_root)
        print("Collecting static files (DEBUG off serves the manifest's names)…", flush=True)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        port = 18000 + secrets.randbelow(1000)
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "bench.pages_site:application",
                "--workers",
                str(WORKERS),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "300",
                "--forwarded-allow-ips",
                "127.0.0.1",
                "--chdir",
                str(ROOT),
            ],
            env=env,
            stderr=subprocess.DEVNULL,
        )
        _wait_for(base, server)
        for page in pages:  # warm both workers: templates, the rulebook, the calendar, plans
            for _ in range(2 * WORKERS):
                for path in (paths[page.key], FLOOR):
                    status = _get(base, path, cookies[page.key])
                    if status != 200:
                        raise SystemExit(f"{path} as {page.username}: HTTP {status}")

        results: dict[str, list[tuple[Measure, Measure]]] = {page.key: [] for page in pages}
        for run in range(1, runs + 1):
            for page in pages:
                measured = _measure(
                    base,
                    paths[page.key],
                    cookies[page.key],
                    users=users,
                    seconds=seconds,
                    workdir=workdir,
                )
                floor = _measure(
                    base, FLOOR, cookies[page.key], users=users, seconds=seconds, workdir=workdir
                )
                results[page.key].append((measured, floor))
                print(
                    f"  run {run} {page.label:<20} p50 {measured.p50:6.0f} ms  p95 {measured.p95:6.0f} ms  "
                    f"({measured.requests} requests, {measured.failures} failed)  floor p50 {floor.p50:4.0f} ms  "
                    f"p95 {floor.p95:4.0f} ms ({floor.requests})",
                    flush=True,
                )

        load = os.getloadavg()
        print()
        print(
            f"Pages: p95 and p50 of the page / of the floor under {users} concurrent users, {seconds} s each, "
            f"gunicorn {WORKERS} workers, DEBUG off, {seeded} residents; {runs} runs; {os.cpu_count()} CPUs, "
            f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} at the end"
        )
        print(
            "floor: GET /bench/bare/ ('ok' behind the same middleware, session and user), alternated with "
            "each page in every run"
        )
        print(
            f"  {'page':<20} {'p95 ratio min/med/max':>23} {'p50 ratio min/med/max':>23}   "
            f"median ms: page p50/p95, floor p50/p95   queries  failed"
        )
        for page in pages:
            pairs = results[page.key]
            page_p50 = statistics.median(m.p50 for m, _f in pairs)
            page_p95 = statistics.median(m.p95 for m, _f in pairs)
            floor_p50 = statistics.median(f.p50 for _m, f in pairs)
            floor_p95 = statistics.median(f.p95 for _m, f in pairs)
            failed = sum(m.failures + f.failures for m, f in pairs)
            print(
                f"  {page.label:<20} {_spread([m.p95 / f.p95 for m, f in pairs]):>23} "
                f"{_spread([m.p50 / f.p50 for m, f in pairs]):>23}   "
                f"{page_p50:6.0f} / {page_p95:6.0f}, {floor_p50:4.0f} / {floor_p95:4.0f}"
                f"   {queries[page.key]:7d}  {failed:6d}"
            )
        print(
            "  goals: portal dashboard p95 ratio ≤ 4; admin changelists ≤ 8; audit trail first page ≤ 0.3 s"
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=60)
        connection.creation.destroy_test_db(configured, verbosity=0, keepdb=keep)


if __name__ == "__main__":
    main()
