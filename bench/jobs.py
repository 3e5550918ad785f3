"""Benchmark: every daily job of the beat schedule at 1,000 and 10,000 residents, first run and no-op run.

Run from the checkout (DATABASE_URL and REDIS_URL as for the tests; DEBUG=1 for local defaults):

    .venv/bin/python bench/jobs.py                              # 1,000 then 10,000 residents
    BENCH_SIZES=200,2000 .venv/bin/python bench/jobs.py
    BENCH_KEEPDB=1 .venv/bin/python bench/jobs.py               # keep the benchmark database
    BENCH_JOBS=discipline-run-overdue-ladders .venv/bin/python bench/jobs.py   # some jobs only

It never touches the configured database's data: it creates a dedicated database next to it
(``bench_jobs_<name>``, or ``BENCH_DATABASE_NAME``), migrates it, loads the demo community and the scale
data (``manage.py seed_scale``: bulk inserts, docs/performance.md "Scale data") and drops it at the end.
The database grows: the first size is seeded, the jobs run, then residents are added up to the next size.

The jobs: every entry of ``CELERY_BEAT_SCHEDULE`` that runs once a day (a crontab with one hour), called
in this process as the worker calls it (the task's function, its own transactions). For each size and
job, in one process:

- **first run**: the job with the day's work to do on the data as seeded (one sample: the work is done
  once), between two floors;
- **no-op run**: the same job again, five times, each alternated with its floor — nothing left to do, what
  the job costs every day it has nothing to do (RULEBOOK §12: jobs are idempotent);
- **floor**: one round trip to the database in a transaction of its own (``SELECT 1``, commit) — the least
  any job costs, the same at every size;

printed as absolute milliseconds and as min / median / max of the ratio job / floor (each job run divided
by the floor timed next to it), with the growth of the no-op median from the first size to the last.
Goal for the daily overdue-fee check with nothing to do: ≤ ×10 from 1,000 to 10,000 residents
and ≤ 50 ms at 10,000.
"""

import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opc_community.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402

from opc_community.core.db_roles import connect_as_owner  # noqa: E402

NOOP_RUNS = 5
FLOOR_LINE = "floor: one database round trip in a transaction of its own (SELECT 1, commit)"


def daily_jobs() -> dict[str, str]:
    """Beat entry name → task path, for the entries that run once a day (every day of the week)."""
    jobs = {}
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        schedule = entry["schedule"]
        if len(schedule.hour) == 1 and len(schedule.minute) == 1 and len(schedule.day_of_week) == 7:
            jobs[name] = entry["task"]
    wanted = os.environ.get("BENCH_JOBS")
    return {name: task for name, task in jobs.items() if not wanted or name in wanted.split(",")}


def floor() -> float:
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return time.perf_counter() - started


def timed(job: Callable[[], object]) -> float:
    started = time.perf_counter()
    job()
    return time.perf_counter() - started


def measure(task: Callable[[], object]) -> dict[str, list[float]]:
    """The first run between two floors, then NOOP_RUNS no-op runs each followed by a floor."""
    before = floor()
    first = timed(task)
    after = floor()
    runs, floors = [], []
    for _ in range(NOOP_RUNS):
        runs.append(timed(task))
        floors.append(floor())
    return {
        "first": [first],
        "first_floor": [min(before, after)],
        "noop": runs,
        "noop_floor": floors,
    }


def spread(values: list[float]) -> str:
    return f"{min(values):8.2f} {statistics.median(values):8.2f} {max(values):8.2f}"


def report(size: int, name: str, figures: dict[str, list[float]]) -> None:
    first_ratio = [figures["first"][0] / figures["first_floor"][0]]
    noop_ratio = [run / f for run, f in zip(figures["noop"], figures["noop_floor"], strict=True)]
    noop_ms = [run * 1000 for run in figures["noop"]]
    print(
        f"  {name:<44} first {figures['first'][0] * 1000:9.1f} ms (×{first_ratio[0]:7.0f})   "
        f"no-op ms {spread(noop_ms)}   ratio {spread(noop_ratio)}",
        flush=True,
    )


def main() -> None:
    sizes = [int(size) for size in os.environ.get("BENCH_SIZES", "1000,10000").split(",")]
    keep = os.environ.get("BENCH_KEEPDB") == "1"
    connect_as_owner()  # the benchmark creates and migrates a database of its own
    database = settings.DATABASES["default"]
    configured = database["NAME"]
    database.setdefault("TEST", {})["NAME"] = os.environ.get(
        "BENCH_DATABASE_NAME", f"bench_jobs_{configured}"
    )
    print(f"Setting up the benchmark database {database['TEST']['NAME']} (migrations)…", flush=True)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=keep)
    settings.DEBUG = False  # no query log growing in memory
    settings.EMAIL_BACKEND = (
        "django.core.mail.backends.locmem.EmailBackend"  # the outbox job sends nothing out
    )
    settings.CELERY_TASK_ALWAYS_EAGER = False
    from residents.models import Resident

    jobs = daily_jobs()
    results: dict[int, dict[str, dict[str, list[float]]]] = {}
    try:
        for size in sizes:
            have = Resident.objects.filter(user__username__startswith="scale-").count()
            if size > have:
                started = time.perf_counter()
                call_command(
                    "seed_scale", residents=size - have, no_demo=have > 0, stdout=io.StringIO()
                )
                print(
                    f"Seeded {size - have} residents (to {size}) in {time.perf_counter() - started:.1f} s",
                    flush=True,
                )
            print(
                f"\n{size} residents ({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})"
            )
            results[size] = {}
            for name, path in jobs.items():
                results[size][name] = measure(import_string(path))
                report(size, name, results[size][name])
        first, last = sizes[0], sizes[-1]
        floors = [f for figures in results[last].values() for f in figures["noop_floor"]]
        print(
            f"\n{FLOOR_LINE}; median {statistics.median(floors) * 1000:.2f} ms at {last} residents"
        )
        if len(sizes) > 1:
            print(f"growth of the no-op median, {first} → {last} residents:")
            for name in jobs:
                a = statistics.median(results[first][name]["noop"])
                b = statistics.median(results[last][name]["noop"])
                print(f"  {name:<44} {a * 1000:8.1f} ms → {b * 1000:8.1f} ms   ×{b / a:5.1f}")
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        connection.creation.destroy_test_db(configured, verbosity=0, keepdb=keep)


if __name__ == "__main__":
    main()
