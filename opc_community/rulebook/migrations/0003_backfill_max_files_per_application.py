"""Versions stored before ``intake.max_files_per_application`` existed get the first version's value.

The field is required (numbers live in the data), so a stored body without it would no longer
parse. Publicised bodies are frozen by the ``freeze_after_draft`` trigger; adding a rule that did
not exist changes no number in force, so it is written once here with that trigger ignored.
"""

import json
from pathlib import Path

import pgtrigger
from django.db import migrations

SEED = Path(__file__).resolve().parent.parent / "seed" / "v1.json"
KEY = "max_files_per_application"


def backfill(apps, schema_editor):
    RulebookVersion = apps.get_model("rulebook", "RulebookVersion")
    value = json.loads(SEED.read_text(encoding="utf-8"))["intake"][KEY]
    with pgtrigger.ignore("rulebook.RulebookVersion:freeze_after_draft"):
        for version in RulebookVersion.objects.all():
            intake = version.body.get("intake") if isinstance(version.body, dict) else None
            if isinstance(intake, dict) and KEY not in intake:
                intake[KEY] = value
                RulebookVersion.objects.filter(pk=version.pk).update(body=version.body)


class Migration(migrations.Migration):
    dependencies = [("rulebook", "0002_seed_first_version")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
