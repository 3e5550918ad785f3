"""``manage.py sweep_files``: list the stored files no row names; ``--delete`` removes those older than a day.

The weekly job (``core-sweep-files``) only reports; deleting is this command's, run by the operator
after looking at the list (docs/operations.md, "Stored files").
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from opc_community.core import files


class Command(BaseCommand):
    help = "List stored files that no record names; --delete removes those older than a day."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--delete", action="store_true",
                            help="Delete the unreferenced files older than a day (younger ones may be in flight).")

    def handle(self, *args: Any, **options: Any) -> None:
        report = files.sweep(delete=options["delete"])
        deleted = set(report.deleted)
        for orphan in report.orphans:
            mark = "deleted" if orphan.name in deleted else "kept"
            self.stdout.write(f"{orphan.modified_at:%Y-%m-%d %H:%M}  {orphan.size:>10}  {mark:<7}  {orphan.name}")
        self.stdout.write(
            f"{report.files} files stored, {len(report.orphans)} named by no record, {len(report.deleted)} deleted."
        )
