"""``manage.py seed_scale --residents N``: add N residents with a year of records on top of the demo community
(loaded first when missing), for benchmarks and load tests (docs/performance.md, "Scale data").

It connects as the owner role, as ``seed_demo`` does (kept records are written as history).
"""

import time

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from opc_community.core.audit import acting_as
from opc_community.core.db_roles import connect_as_owner
from opc_community.core.demo import DEMO_PASSWORD, Demo, seed_all
from opc_community.core.scale import seed_scale


class Command(BaseCommand):
    help = "Add N generated residents with invoices, payments, bookings, complaints and more (bulk inserts)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--residents", type=int, required=True, help="how many residents to add"
        )
        parser.add_argument(
            "--no-demo", action="store_true", help="do not load the demo community first"
        )

    def handle(self, *args: object, **options: object) -> None:
        count = int(options["residents"])  # type: ignore[call-overload]
        if count < 1:
            self.stderr.write("--residents must be at least 1")
            return
        connect_as_owner()
        started = time.perf_counter()
        now = timezone.now()
        with transaction.atomic(), acting_as(None, command="seed_scale"):
            if not options["no_demo"]:
                seed_all(Demo(now=now))
            scale = seed_scale(
                count=count, now=now, today=timezone.localdate(now), password=DEMO_PASSWORD
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics: the planner sees the new sizes
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {count} residents (scale-{scale.first:05d}…scale-{scale.first + count - 1:05d}, "
                f"password {DEMO_PASSWORD}) in {time.perf_counter() - started:.1f} s"
            )
        )
