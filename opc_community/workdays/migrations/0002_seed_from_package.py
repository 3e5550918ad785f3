"""Seed the calendar with the official schedules of 2004–2026 from the chinesecalendar package."""

from django.db import migrations

from opc_community.workdays.package import load_into


def seed(apps, schema_editor):
    load_into(apps.get_model("workdays", "CalendarYear"), apps.get_model("workdays", "SpecialDay"))


def unseed(apps, schema_editor):
    apps.get_model("workdays", "SpecialDay").objects.all().delete()
    apps.get_model("workdays", "CalendarYear").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
