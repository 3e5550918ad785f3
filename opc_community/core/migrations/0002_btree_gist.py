"""btree_gist: exclusion constraints mixing equality and ranges (no overlapping agreements, bookings)."""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [BtreeGistExtension()]
