"""Rewrite stored ID card numbers and credit codes in their one spelling (ASCII digits and capitals).

Idempotent. Prints what it changed and the numbers held twice (for the intake team to resolve);
stops, naming them, if a stored value cannot be read at all (the next migration's check
constraints would refuse it).
"""

from django.db import migrations

from residents.stored_identities import normalise_stored


def normalise(apps, schema_editor):
    report = normalise_stored(apps.get_model("residents", "Application"), apps.get_model("residents", "Ban"))
    for line in report.lines():
        print(f"  residents.identity: {line}")
    if report.unreadable:
        raise RuntimeError(
            "Stored identity numbers that are no ID card number or credit code: "
            + "; ".join(report.unreadable)
            + ". Correct them by hand, then migrate again."
        )


class Migration(migrations.Migration):
    dependencies = [("residents", "0003_complaint_filed_once")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
