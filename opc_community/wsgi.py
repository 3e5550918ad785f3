"""WSGI entry point (gunicorn opc_community.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opc_community.settings")

application = get_wsgi_application()
