"""``manage.py load_holidays [--year 2026 ...]``: (re)load official schedules from the chinesecalendar package."""

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from opc_community.core.audit import acting_as
from opc_community.workdays.models import CalendarYear, SpecialDay
from opc_community.workdays.package import load_into


class Command(BaseCommand):
    help = "Load holiday schedules from the chinesecalendar package into the working-day calendar."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, action="append", help="only this year (repeatable)")

    def handle(self, *args: object, year: list[int] | None = None, **options: object) -> None:
        with transaction.atomic(), acting_as(None, command="load_holidays"):
            loaded = load_into(CalendarYear, SpecialDay, year)
        if not loaded:
            self.stdout.write(self.style.WARNING("The package has no schedule for the requested years."))
            return
        self.stdout.write(self.style.SUCCESS(f"Loaded {len(loaded)} year(s): {loaded[0]}–{loaded[-1]}"))
