"""Benchmark: the quarter run (第六章第二条) against the floor of merely reading its inputs.

Run from the checkout (DATABASE_URL and REDIS_URL as for the tests; DEBUG=1 for local defaults):

    .venv/bin/python bench/quarter.py                    # 10,000 residents
    BENCH_RESIDENTS=2000 .venv/bin/python bench/quarter.py
    BENCH_KEEPDB=1 .venv/bin/python bench/quarter.py     # keep the benchmark database (reused next time)
    BENCH_PROFILE=1 .venv/bin/python bench/quarter.py    # also profile the warm run (Python time)

It never touches the configured database's data: it creates a dedicated database next to it
(``bench_quarter_<name>``, or ``BENCH_DATABASE_NAME``), migrates it, generates its residents with
bulk inserts (one INSERT per table and batch, no service calls) and drops it at the end.

The generated quarter (2026 Q3): N residents checked in before it, each with submitted inputs
(milestones, revenue, target spread over every band), a verified award for one in seven, 0–3 verified
contributions, 12 activities that count for attendance and a check-in at a varying share of them, and a
previous quarter's card for each (so the warning-list history is read too).

Alternated in this one process, ``BENCH_ROUNDS`` times (default 5):

- **run**: ``scoring.services.run.quarter_run`` — the whole draft: one statement reads the cohort,
  inputs, awards, contributions, attendance and history, scores, ranks and judges everyone and upserts
  the cards; plus the DELETE of cards outside the cohort, the status change and the audit context.
  Timed with every card written (the quarter's cards deleted and the table vacuumed before, untimed —
  what a quarter's first run does);
- **floor**: one aggregate over the same inputs — the cohort joined to its input row, accepted plan,
  verified award levels, verified contributions, attendance and expected activities and previous total,
  summed in the database (one row back: no rows to Python) — what any implementation must at least read.

Printed: min / median / max of the ratio run / floor (goal ≤ 2.5) and of both times, a re-run with
nothing changed (RULEBOOK §7 idempotency), the first run of the fresh process, and the queries of the
run (independent of N; ``tests/scoring/test_run.py::test_the_number_of_queries_does_not_depend_on_the_cohort``
holds it for 10 and 100 residents).
"""

import cProfile
import os
import pstats
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opc_community.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from opc_community.core.db_roles import connect_as_owner  # noqa: E402

SH = ZoneInfo("Asia/Shanghai")
YEAR, NUMBER = 2026, 3
BATCH = 2000
ACTIVITIES = 12
LEVELS = ("national", "provincial", "industry_provincial", "municipal", "industry_municipal")


def _arrange(count: int):
    """Generate the residents, inputs, awards, contributions, activities, attendance and last quarter's cards."""
    from opc_community.accounts.models import User
    from residents.models import (
        Application,
        ApplicationStatus,
        Direction,
        EntityType,
        Resident,
        ResidentStatus,
    )
    from resources.models import Activity, ActivityKind, Attendance, CheckInMethod
    from scoring.models import (
        AwardClaim,
        Contribution,
        InputStatus,
        PlanStatus,
        Quarter,
        QuarterInput,
        QuarterPlan,
        QuarterStatus,
        ScoreCard,
    )

    checked_in = datetime(2026, 1, 5, 9, tzinfo=SH)
    staff = User.objects.create(username="bench-staff", full_name="基准工作人员", is_staff=True)
    users = User.objects.bulk_create(
        [User(username=f"bench-{i:05d}", full_name=f"基准{i:05d}", password="!") for i in range(count)],
        batch_size=BATCH,
    )
    applications = Application.objects.bulk_create(
        [Application(applicant=user, status=ApplicationStatus.APPROVED, entity_type=EntityType.INDIVIDUAL,
                     direction=Direction.AI_NATIVE, person_name=user.full_name, id_number="110105194912310021",
                     phone="13800000000", project_summary="基准项目", declares_no_dishonesty=True,
                     consent_id_processing_at=checked_in, decided_at=checked_in) for user in users],
        batch_size=BATCH,
    )
    residents = Resident.objects.bulk_create(
        [Resident(user=user, application=application, name=user.full_name, status=ResidentStatus.ACTIVE,
                  checked_in_at=checked_in) for user, application in zip(users, applications, strict=True)],
        batch_size=BATCH,
    )
    quarter = Quarter.objects.create(year=YEAR, number=NUMBER, inputs_due_on=date(2026, 10, 9))
    previous = Quarter.objects.create(year=YEAR, number=NUMBER - 1, inputs_due_on=date(2026, 7, 9),
                                      status=QuarterStatus.FINAL, rulebook_version=1)
    QuarterPlan.objects.bulk_create(
        [QuarterPlan(quarter=quarter, resident=resident, status=PlanStatus.ACCEPTED, milestones_planned=5,
                     revenue_target=Decimal(100_000)) for resident in residents],
        batch_size=BATCH,
    )
    inputs = QuarterInput.objects.bulk_create(
        [QuarterInput(quarter=quarter, resident=resident, status=InputStatus.VERIFIED, milestones_done=3 + i % 3,
                      revenue=Decimal(60_000 + (i * 7919) % 70_000))
         for i, resident in enumerate(residents)],
        batch_size=BATCH,
    )
    AwardClaim.objects.bulk_create(
        [AwardClaim(input=data, level=LEVELS[i % len(LEVELS)], title="基准奖项", verified=True)
         for i, data in enumerate(inputs) if i % 7 == 0],
        batch_size=BATCH,
    )
    Contribution.objects.bulk_create(
        [Contribution(input=data, kind="open_source", description="基准贡献", verified=True)
         for i, data in enumerate(inputs) for _ in range(i % 4)],
        batch_size=BATCH,
    )
    first_activity = datetime(2026, 7, 6, 14, tzinfo=SH)  # a Monday; then weekly, all within Q3
    activities = Activity.objects.bulk_create([
        Activity(title=f"基准活动 {n}", kind=ActivityKind.TRAINING, place="路演厅", capacity=500,
                 starts_at=first_activity + timedelta(weeks=n), ends_at=first_activity + timedelta(weeks=n, hours=2),
                 counts_for_attendance=True, checkin_token=f"bench-{n}", created_by=staff)
        for n in range(ACTIVITIES)
    ])
    Attendance.objects.bulk_create(
        [Attendance(activity=activity, resident=resident, method=CheckInMethod.LIST,
                    checked_in_at=activity.starts_at + timedelta(minutes=5), checked_in_by=staff)
         for i, resident in enumerate(residents) for activity in activities[: 8 + i % 5]],
        batch_size=BATCH * 5,
    )
    ScoreCard.objects.bulk_create(
        [ScoreCard(quarter=previous, resident=resident, attended=0, expected=0, milestones_done=0,
                   milestones_planned=0, revenue=0, revenue_target=0, contributions=0, participation_points=10,
                   completion_points=25, revenue_points=30, award_points=0, contribution_points=0,
                   total=65 + i % 30, rank=1, streak_below_threshold=0, outcome="ok", computed_at=checked_in)
         for i, resident in enumerate(residents)],
        batch_size=BATCH,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return quarter


def _floor_sql() -> tuple[str, dict]:
    """One aggregate over every input of the run, per resident of the cohort, summed in the database."""
    from resources.selectors.activities import quarter_bounds
    from scoring import quarters

    first, last = quarters.first_day(YEAR, NUMBER), quarters.last_day(YEAR, NUMBER)
    since, until = quarter_bounds(first, last)
    start, end = quarters.bounds(YEAR, NUMBER)
    sql = """
    WITH cohort AS (
        SELECT id, checked_in_at, exited_on FROM residents_resident
        WHERE checked_in_at < %(end)s AND (exited_on IS NULL OR exited_on >= %(start)s)
    ), inputs AS (
        SELECT i.* FROM scoring_quarterinput i JOIN scoring_quarter q ON q.id = i.quarter_id
        WHERE q.year = %(year)s AND q.number = %(number)s
    ), plans AS (
        SELECT p.* FROM scoring_quarterplan p JOIN scoring_quarter q ON q.id = p.quarter_id
        WHERE q.year = %(year)s AND q.number = %(number)s AND p.status = 'accepted'
    ), awards AS (
        SELECT i.resident_id, array_agg(a.level) AS levels FROM scoring_awardclaim a
        JOIN inputs i ON i.id = a.input_id WHERE a.verified GROUP BY i.resident_id
    ), contributions AS (
        SELECT i.resident_id, count(*) AS n FROM scoring_contribution c
        JOIN inputs i ON i.id = c.input_id WHERE c.verified GROUP BY i.resident_id
    ), attendance AS (
        SELECT r.id AS resident_id, count(att.id) AS attended, count(a.id) AS expected
        FROM cohort r JOIN resources_activity a
          ON a.counts_for_attendance AND a.cancelled_at IS NULL
         AND a.starts_at >= %(since)s AND a.starts_at < %(until)s AND r.checked_in_at <= a.starts_at
         AND (r.exited_on IS NULL OR (a.starts_at AT TIME ZONE %(tz)s)::date <= r.exited_on)
        LEFT JOIN resources_attendance att ON att.activity_id = a.id AND att.resident_id = r.id
        GROUP BY r.id
    ), history AS (
        SELECT c.resident_id, c.total FROM scoring_scorecard c JOIN scoring_quarter q ON q.id = c.quarter_id
        WHERE q.year = %(year)s AND q.number = %(previous)s
    )
    SELECT count(*), sum(i.milestones_done), sum(p.milestones_planned), sum(i.revenue), sum(p.revenue_target),
           count(*) FILTER (WHERE i.status = 'verified' AND NOT i.completion_rejected AND NOT i.revenue_rejected),
           sum(cardinality(aw.levels)), sum(co.n), sum(att.attended), sum(att.expected), sum(h.total)
    FROM cohort c
    LEFT JOIN plans p ON p.resident_id = c.id
    LEFT JOIN inputs i ON i.resident_id = c.id
    LEFT JOIN awards aw ON aw.resident_id = c.id
    LEFT JOIN contributions co ON co.resident_id = c.id
    LEFT JOIN attendance att ON att.resident_id = c.id
    LEFT JOIN history h ON h.resident_id = c.id
    """
    params = {"start": start.date(), "end": end, "year": YEAR, "number": NUMBER, "previous": NUMBER - 1,
              "since": since, "until": until, "tz": settings.TIME_ZONE}
    return sql, params


def _floor(count: int) -> float:
    """One timing of the floor statement (one row back)."""
    sql, params = _floor_sql()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    seconds = time.perf_counter() - started
    assert row[0] == count, row
    return seconds


def _spread(values: list[float], digits: int = 2) -> str:
    return " / ".join(f"{value:.{digits}f}" for value in (min(values), statistics.median(values), max(values)))


def main() -> None:
    count = int(os.environ.get("BENCH_RESIDENTS", "10000"))
    keep = os.environ.get("BENCH_KEEPDB") == "1"
    connect_as_owner()  # the benchmark creates and migrates a database of its own
    database = settings.DATABASES["default"]
    configured = database["NAME"]
    database.setdefault("TEST", {})["NAME"] = os.environ.get("BENCH_DATABASE_NAME", f"bench_quarter_{configured}")
    print(f"Setting up the benchmark database {database['TEST']['NAME']} (migrations)…", flush=True)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=keep)
    settings.DEBUG = False  # no query log growing in memory
    try:
        from scoring.models import Quarter, ScoreCard
        from scoring.services.run import quarter_run

        quarter = Quarter.objects.filter(year=YEAR, number=NUMBER).first()
        if quarter is None:
            started = time.perf_counter()
            quarter = _arrange(count)
            print(f"Generated {count} residents with a quarter of inputs in {time.perf_counter() - started:.1f} s",
                  flush=True)
        else:  # a kept database (BENCH_KEEPDB=1) from an earlier run
            count = ScoreCard.objects.filter(quarter=quarter).count()
            print(f"Reusing the kept benchmark quarter ({count} residents)", flush=True)

        rounds = int(os.environ.get("BENCH_ROUNDS", "5"))
        started = time.perf_counter()
        first = quarter_run(quarter=quarter)
        cold = time.perf_counter() - started
        _floor(count)  # warm the floor's plan and cache as the run's first call did
        writes, floors = [], []
        for _ in range(rounds):  # alternated: the run with every card written, then the floor
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM scoring_scorecard WHERE quarter_id = %s", [quarter.pk])
                cursor.execute("VACUUM ANALYZE scoring_scorecard")
            quarter.refresh_from_db()
            started = time.perf_counter()
            assert quarter_run(quarter=quarter) == first
            writes.append(time.perf_counter() - started)
            floors.append(_floor(count))
        profiler = cProfile.Profile() if os.environ.get("BENCH_PROFILE") == "1" else None
        quarter.refresh_from_db()
        with CaptureQueriesContext(connection) as captured:  # a re-run with nothing changed
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            result = quarter_run(quarter=quarter)
            rerun = time.perf_counter() - started
            if profiler:
                profiler.disable()
        assert result == first and ScoreCard.objects.filter(quarter=quarter).count() == count
        ratios = [w / f for w, f in zip(writes, floors, strict=True)]

        load = os.getloadavg()
        print()
        print(f"Quarter run over {count} residents, {rounds} rounds alternated with the floor in one process "
              f"({os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the end)")
        print("  floor: one aggregate over the same inputs (cohort, inputs, plans, awards, contributions, "
              "attendance, history; one row back)")
        print(f"  ratio run / floor (min / median / max): {_spread(ratios)}      goal ≤ 2.5")
        print(f"  run, every card written: {_spread([1000 * w for w in writes], 1)} ms   "
              f"(the first run of a fresh process: {cold * 1000:.1f} ms)")
        print(f"  floor:                   {_spread([1000 * f for f in floors], 1)} ms")
        print(f"  run, nothing changed:    {rerun * 1000:.1f} ms (ratio to the median floor "
              f"{rerun / statistics.median(floors):.2f})")
        print(f"  queries of the run:      {len(captured)} (independent of N)")
        print(f"  outcomes: {result.eliminated} eliminated, {result.warnings} on the warning list")
        for query in captured.captured_queries:
            print(f"    {query['time']:>7}s  {query['sql'][:100]}")
        if profiler:  # BENCH_PROFILE=1: where the Python time of the re-run goes
            stats = pstats.Stats(profiler).sort_stats("tottime")
            stats.print_stats(15)
            if os.environ.get("BENCH_CALLERS"):
                stats.print_callers(os.environ["BENCH_CALLERS"])
    finally:
        connection.creation.destroy_test_db(configured, verbosity=0, keepdb=keep)


if __name__ == "__main__":
    main()
