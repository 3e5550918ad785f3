"""``manage.py load_holidays [--year 2026 ...]``: (re)load official schedules from the chinesecalendar package.

Like every calendar change, it recomputes the open provisional deadlines and records the change
(``workdays.services.package_load``).
"""

from django.core.management.base import BaseCommand, CommandParser

from opc_community.workdays.services import package_load


class Command(BaseCommand):
    help = "Load holiday schedules from the chinesecalendar package into the working-day calendar."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, action="append", help="only this year (repeatable)")

    def handle(self, *args: object, year: list[int] | None = None, **options: object) -> None:
        loaded, change = package_load(years=year)
        if not loaded or change is None:
            self.stdout.write(self.style.WARNING("The package has no schedule for the requested years."))
            return
        self.stdout.write(self.style.SUCCESS(
            f"Loaded {len(loaded)} year(s): {loaded[0]}–{loaded[-1]}; {change.moved} provisional deadline(s) moved."
        ))
