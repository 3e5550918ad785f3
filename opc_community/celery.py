"""The one Celery app of the project (the official Django pattern).

Configuration comes from Django settings under the ``CELERY_`` namespace; the
beat schedule is ``CELERY_BEAT_SCHEDULE`` in settings.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opc_community.settings")

app = Celery("opc_community")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
