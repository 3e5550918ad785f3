"""Every job of the beat schedule names a task the worker knows (a typo would fail silently at night)."""

import pytest
from django.conf import settings

from opc_community.celery import app


@pytest.mark.parametrize("name", sorted(settings.CELERY_BEAT_SCHEDULE))
def test_scheduled_task_exists(name):
    app.loader.import_default_modules()
    assert settings.CELERY_BEAT_SCHEDULE[name]["task"] in app.tasks
